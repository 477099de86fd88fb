package pebblevfs

import (
	"github.com/cockroachdb/pebble/v2/vfs"
	"golang.org/x/sys/unix"
)

// A wrappedFile is a file of the wrapped FS, held open while each of its
// calls runs and closed once (see gate). Without that, a call that races
// Close could reach the descriptor number after the kernel had given it to
// another file: vfs.Default's files keep the number and use it for
// Preallocate, SyncData, SyncTo and Prefetch.
type wrappedFile struct {
	file vfs.File
	name string
	// dropPages is set for the files opened for writing: when they are
	// closed, their pages are dropped from the page cache (fadvise
	// POSIX_FADV_DONTNEED), which writes back what is dirty and frees what
	// is clean, since the tables written through the FS are read with
	// O_DIRECT and the logs are read again only on recovery.
	dropPages bool
	gate      gate
}

var _ vfs.File = (*wrappedFile)(nil)

// wrapFile wraps the result of opening name through the wrapped FS for
// reading. A failed open gives no file.
func wrapFile(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || f == nil {
		return nil, err
	}
	return &wrappedFile{file: f, name: name}, nil
}

// wrapWrittenFile is wrapFile for a file opened for writing, whose pages
// leave the page cache when it is closed.
func wrapWrittenFile(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || f == nil {
		return nil, err
	}
	return &wrappedFile{file: f, name: name, dropPages: true}, nil
}

// Close closes the file once, first dropping its pages if it was opened
// for writing; every call returns the first one's result once it is known.
func (f *wrappedFile) Close() error {
	return f.gate.close(func() error {
		if fd := f.file.Fd(); f.dropPages && fd != vfs.InvalidFd {
			// Advice only: a failure changes nothing that the caller
			// relies on.
			_ = unix.Fadvise(int(fd), 0, 0, unix.FADV_DONTNEED)
		}
		return f.file.Close()
	})
}

func (f *wrappedFile) Read(p []byte) (int, error) {
	if !f.gate.enter() {
		return 0, closedFileError("read", f.name)
	}
	defer f.gate.leave()
	return f.file.Read(p)
}

func (f *wrappedFile) ReadAt(p []byte, off int64) (int, error) {
	if !f.gate.enter() {
		return 0, closedFileError("read", f.name)
	}
	defer f.gate.leave()
	return f.file.ReadAt(p, off)
}

func (f *wrappedFile) Write(p []byte) (int, error) {
	if !f.gate.enter() {
		return 0, closedFileError("write", f.name)
	}
	defer f.gate.leave()
	return f.file.Write(p)
}

func (f *wrappedFile) WriteAt(p []byte, off int64) (int, error) {
	if !f.gate.enter() {
		return 0, closedFileError("write", f.name)
	}
	defer f.gate.leave()
	return f.file.WriteAt(p, off)
}

func (f *wrappedFile) Preallocate(offset, length int64) error {
	if !f.gate.enter() {
		return closedFileError("preallocate", f.name)
	}
	defer f.gate.leave()
	return f.file.Preallocate(offset, length)
}

func (f *wrappedFile) Stat() (vfs.FileInfo, error) {
	if !f.gate.enter() {
		return nil, closedFileError("stat", f.name)
	}
	defer f.gate.leave()
	return f.file.Stat()
}

func (f *wrappedFile) Sync() error {
	if !f.gate.enter() {
		return closedFileError("sync", f.name)
	}
	defer f.gate.leave()
	return f.file.Sync()
}

func (f *wrappedFile) SyncTo(length int64) (fullSync bool, err error) {
	if !f.gate.enter() {
		return false, closedFileError("syncto", f.name)
	}
	defer f.gate.leave()
	return f.file.SyncTo(length)
}

func (f *wrappedFile) SyncData() error {
	if !f.gate.enter() {
		return closedFileError("syncdata", f.name)
	}
	defer f.gate.leave()
	return f.file.SyncData()
}

func (f *wrappedFile) Prefetch(offset, length int64) error {
	if !f.gate.enter() {
		return closedFileError("prefetch", f.name)
	}
	defer f.gate.leave()
	return f.file.Prefetch(offset, length)
}

// Fd returns the file's descriptor, or vfs.InvalidFd once Close has begun.
func (f *wrappedFile) Fd() uintptr {
	if !f.gate.enter() {
		return vfs.InvalidFd
	}
	defer f.gate.leave()
	return f.file.Fd()
}
