package pebblevfs

import (
	"fmt"
	"os"
	"strconv"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// A directFile is a table or blob file opened with O_DIRECT, read through
// kernel AIO. Pebble only reads such files, so what it does for writing
// (Preallocate, SyncTo) is what a read-only file needs.
type directFile struct {
	*aio.File
}

var _ vfs.File = (*directFile)(nil)

// Preallocate does nothing: the file is not written through this handle.
func (f *directFile) Preallocate(offset, length int64) error { return nil }

// Stat returns the file's FileInfo with its device, as vfs.Default's do.
// It stats the open descriptor, so it works after the file was renamed or
// removed.
func (f *directFile) Stat() (vfs.FileInfo, error) {
	fd := f.Fd()
	if fd == ^uintptr(0) {
		return nil, &os.PathError{Op: "stat", Path: f.Name(), Err: os.ErrClosed}
	}
	fi, err := vfs.Default.Stat("/proc/self/fd/" + strconv.FormatUint(uint64(fd), 10))
	if err != nil {
		return nil, fmt.Errorf("pebblevfs: stat %s: %w", f.Name(), err)
	}
	return namedFileInfo{fi, f.Name()}, nil
}

// SyncTo syncs nothing and says so: nothing is written through the handle.
func (f *directFile) SyncTo(length int64) (fullSync bool, err error) { return false, nil }

// SyncData is Datasync, for completeness: nothing is written through the
// handle, so it has nothing to make durable.
func (f *directFile) SyncData() error { return f.Datasync() }

// Prefetch does nothing: without the page cache there is nowhere to read
// ahead into. Pebble's block cache and its own readahead of sequential
// scans (which reopen the file with vfs.SequentialReadsOption) remain.
func (f *directFile) Prefetch(offset, length int64) error { return nil }

// namedFileInfo is a FileInfo under the name the file was opened by.
type namedFileInfo struct {
	vfs.FileInfo
	name string
}

func (fi namedFileInfo) Name() string { return fi.name }

// writtenFile wraps a file opened for writing by the wrapped FS so that its
// pages leave the page cache when it is closed. It returns f unchanged when
// f is nil (a failed open).
func writtenFile(f vfs.File) vfs.File {
	if f == nil {
		return nil
	}
	return &droppingFile{File: f}
}

// A droppingFile drops its pages from the page cache when it is closed
// (fadvise POSIX_FADV_DONTNEED), which writes back what is dirty and frees
// what is clean: the tables written through the FS are read with O_DIRECT,
// and the logs are read again only on recovery.
type droppingFile struct {
	vfs.File
}

// Close drops the file's pages and closes it.
func (f *droppingFile) Close() error {
	if fd := f.Fd(); fd != vfs.InvalidFd {
		// Advice only: a failure changes nothing that the caller relies on.
		_ = unix.Fadvise(int(fd), 0, 0, unix.FADV_DONTNEED)
	}
	return f.File.Close()
}
