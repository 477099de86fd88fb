package aio

import (
	"errors"
	"fmt"
	"math"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// This file holds the calls of File that are not I/O requests: they go to
// the kernel directly, on the calling thread, as os.File's do. Each holds
// the File open (begin/end) while it runs, so it never acts on a descriptor
// that Close has released and the kernel has given to another file.

// Fd returns the file's descriptor, or ^uintptr(0) once the File is closed.
// It stays valid until Close, which closes it: do not close it yourself,
// and do not change its flags (O_DIRECT, O_APPEND, O_NONBLOCK), which the
// File read when it was opened. Unlike os.File.Fd, it leaves the descriptor
// in the mode it is in. Calls made with the number after Close may reach
// another file that has been given it; keep the File open (and reachable,
// runtime.KeepAlive) while they run.
func (f *File) Fd() uintptr {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed.Load() {
		return ^uintptr(0)
	}
	return uintptr(f.fd)
}

// Stat returns the file's FileInfo, as os.File.Stat. The size of a block
// device is 0 there, as with os; Seek(0, io.SeekEnd) gives its length.
func (f *File) Stat() (os.FileInfo, error) {
	if err := f.begin("stat"); err != nil {
		return nil, err
	}
	defer f.end()
	return f.file.Stat()
}

// Truncate changes the size of the file, as os.File.Truncate: bytes beyond
// size are discarded, and a file that grows reads as zeroes to its new end.
// On a file with O_DIRECT, size need not be aligned; the filesystem waits
// for direct I/O in flight on the file before it changes the size, so a
// request still in flight completes before or after the truncation as a
// whole. A write that completes beyond the new end extends the file again.
func (f *File) Truncate(size int64) error {
	if err := f.checkClosed("truncate"); err != nil {
		return err
	}
	if size < 0 {
		return pathError("truncate", f.name, &argError{fmt.Sprintf("negative size %d: a file's size is 0 or more", size)})
	}
	if err := f.begin("truncate"); err != nil {
		return err
	}
	defer f.end()
	if err := ignoringEINTR(func() error { return unix.Ftruncate(int(f.fd), size) }); err != nil {
		return pathError("truncate", f.name, err)
	}
	return nil
}

// Allocate makes the filesystem allocate storage for length bytes at offset
// off (fallocate(2) with mode 0), so that later writes there cannot fail
// for lack of space; the file grows to off+length if it is shorter, and what
// was not written reads as zeroes. Where the filesystem or device refuses
// (block devices, many network and FUSE filesystems), the error matches
// errors.ErrUnsupported.
//
// On ext4 and XFS the new blocks are unwritten extents: the first write to
// each converts it, which changes metadata, so a FlagDSync write there also
// commits the journal and an O_DIRECT write there may wait inside
// io_submit. To make later durable writes plain overwrites, write the range
// with zeroes instead.
func (f *File) Allocate(off, length int64) error {
	return f.fallocate("allocate", 0, off, length)
}

// AllocateKeepSize is Allocate without changing the file's size
// (FALLOC_FL_KEEP_SIZE): storage beyond the end is reserved for writes that
// will extend the file, which then still change its size.
func (f *File) AllocateKeepSize(off, length int64) error {
	return f.fallocate("allocate", unix.FALLOC_FL_KEEP_SIZE, off, length)
}

func (f *File) fallocate(op string, mode uint32, off, length int64) error {
	if err := f.checkClosed(op); err != nil {
		return err
	}
	if off < 0 || length <= 0 {
		return pathError(op, f.name, &argError{fmt.Sprintf("offset %d and length %d: fallocate needs an offset of 0 or more and a length of 1 or more", off, length)})
	}
	if off > math.MaxInt64-length {
		return pathError(op, f.name, &argError{fmt.Sprintf("offset %d plus length %d is beyond the largest file offset", off, length)})
	}
	if err := f.begin(op); err != nil {
		return err
	}
	defer f.end()
	err := ignoringEINTR(func() error { return unix.Fallocate(int(f.fd), mode, off, length) })
	if err != nil {
		return pathError(op, f.name, fallocateError(err))
	}
	return nil
}

// fallocateError explains the errors of fallocate that mean the file cannot
// be allocated at all.
func fallocateError(err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	switch errno {
	case syscall.EOPNOTSUPP, syscall.ENOSYS:
		return &hintError{errno: errno, unsupported: true, hint: "the filesystem or device does not allocate storage ahead (fallocate); write the range instead"}
	case syscall.ENODEV:
		return &hintError{errno: errno, unsupported: true, hint: "fallocate needs a regular file, and this is not one"}
	case syscall.EFBIG:
		return &hintError{errno: errno, hint: "the range goes beyond the largest file the filesystem allows"}
	}
	return err
}

// ignoringEINTR calls fn until it fails with something other than EINTR,
// which a signal delivered to the thread during a slow call can give.
func ignoringEINTR(fn func() error) error {
	for {
		err := fn()
		if err != syscall.EINTR {
			return err
		}
	}
}
