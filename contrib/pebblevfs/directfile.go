package pebblevfs

import (
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/linuxaio/aio"
	"io"
	"sync"
)

// A directFile is a table or blob file opened with O_DIRECT, read through
// kernel AIO. Pebble only reads such files, so what it does for writing
// (Preallocate, SyncTo) is what a read-only file needs.
//
// Its methods are vfs.File's and no more: the aio.File is a field, not
// embedded, so that every exported method is one of these, which keep the
// rule of Close (see gate). The calls that reach the aio.File are held
// open by it and do not enter the gate, but for Stat, which uses the
// descriptor outside the aio.File; the others touch nothing and only check.
type directFile struct {
	file *aio.File
	fs   *gate   // the FS's: once it is closed, the file fails as its reads do
	ra   *raFile // its read-ahead, or nil
	gate gate

	mu  sync.Mutex // held by Read, for off
	off int64      // where the next Read reads
}

var _ vfs.File = (*directFile)(nil)

// check returns the error of a call named op once the file or its FS is
// closed, and nil before.
func (f *directFile) check(op string) error {
	if f.gate.isClosed() {
		return closedFileError(op, f.file.Name())
	}
	if f.fs.isClosed() {
		return closedFSError(op, f.file.Name())
	}
	return nil
}

// Close closes the file once; every call returns the first one's result
// once it is known.
func (f *directFile) Close() error {
	return f.gate.close(func() error {
		if f.ra != nil {
			f.ra.close()
		}
		return f.file.Close()
	})
}

// Read reads from the file's offset, as ReadAt does, and moves the offset:
// a file read to its end with Read, as vfs.Copy reads, is read ahead too.
func (f *directFile) Read(p []byte) (int, error) {
	if err := f.check("read"); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if n > 0 && err == io.EOF {
		err = nil // the next Read says so
	}
	return n, err
}

// ReadAt reads len(p) bytes at off: what windows read ahead hold, and the
// rest through kernel AIO; any offset and length will do (see the package
// documentation).
func (f *directFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.check("read"); err != nil {
		return 0, err
	}
	if f.ra == nil || off < 0 {
		return f.file.ReadAt(p, off)
	}
	n := f.ra.readAt(p, off)
	if n == len(p) {
		return n, nil
	}
	m, err := f.file.ReadAt(p[n:], off+int64(n))
	return n + m, err
}

// Write fails: the file is opened for reading only.
func (f *directFile) Write(p []byte) (int, error) {
	if err := f.check("write"); err != nil {
		return 0, err
	}
	return f.file.Write(p)
}

// WriteAt fails: the file is opened for reading only.
func (f *directFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.check("write"); err != nil {
		return 0, err
	}
	return f.file.WriteAt(p, off)
}

// Preallocate does nothing: the file is not written through this handle.
func (f *directFile) Preallocate(offset, length int64) error { return f.check("preallocate") }

// Stat returns the file's FileInfo, with its device, as vfs.Default's
// files do. It stats the open descriptor, so it works after the file was
// renamed or removed; it holds the file's gate while it does, so that
// Close cannot release the descriptor, whose number the kernel could give
// to another file, before the stat is done.
func (f *directFile) Stat() (vfs.FileInfo, error) {
	if !f.gate.enter() {
		return nil, closedFileError("stat", f.file.Name())
	}
	defer f.gate.leave()
	if f.fs.isClosed() {
		return nil, closedFSError("stat", f.file.Name())
	}
	return statDescriptor(f.file)
}

// Sync flushes the file through kernel AIO; nothing is written through the
// handle, so it has nothing of its own to make durable.
func (f *directFile) Sync() error {
	if err := f.check("sync"); err != nil {
		return err
	}
	return f.file.Sync()
}

// SyncTo syncs nothing and says so: nothing is written through the handle.
func (f *directFile) SyncTo(length int64) (fullSync bool, err error) {
	return false, f.check("syncto")
}

// SyncData is Datasync, for completeness: nothing is written through the
// handle, so it has nothing to make durable.
func (f *directFile) SyncData() error {
	if err := f.check("syncdata"); err != nil {
		return err
	}
	return f.file.Datasync()
}

// Prefetch starts reading the range ahead, into memory of the FS's that the
// ReadAts of the range then take from (see "Read-ahead" in the package
// documentation). It does not wait for the reads, and does nothing with
// Options.NoReadahead.
func (f *directFile) Prefetch(offset, length int64) error {
	if err := f.check("prefetch"); err != nil {
		return err
	}
	if f.ra != nil {
		f.ra.prefetch(offset, length)
	}
	return nil
}

// Fd returns the file's descriptor, or vfs.InvalidFd once Close has begun.
// After the FS is closed it is still the descriptor, which stays open
// until the file is closed.
func (f *directFile) Fd() uintptr {
	if f.gate.isClosed() {
		return vfs.InvalidFd
	}
	return f.file.Fd()
}
