package aio

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"

	"golang.org/x/sys/unix"
)

var (
	_ io.Reader = (*File)(nil)
	_ io.Writer = (*File)(nil)
	_ io.Seeker = (*File)(nil)
)

// fileOffset is the offset of a File's Read, Write and Seek. It is the
// package's own, not the descriptor's: requests carry their offsets, so the
// kernel's never moves, and ReadAt and WriteAt neither use nor move this
// one. Read and Write hold mu from before their request until it is done,
// so that each starts where the one before it ended, as with os.File.
type fileOffset struct {
	mu  sync.Mutex
	off int64
}

// Read reads up to len(p) bytes at the file's offset and moves the offset
// past them, as os.File.Read: at the end of the file it returns 0, io.EOF.
// On a file with O_DIRECT the offset and length need no alignment unless
// the File is strict (see ReadAtContext), though aligned reads from aligned
// offsets avoid a copy.
func (f *File) Read(p []byte) (int, error) {
	if err := f.checkClosed("read"); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	f.offset.mu.Lock()
	defer f.offset.mu.Unlock()
	n, err := f.ReadAtContext(context.Background(), p, f.offset.off, 0)
	f.offset.off += int64(n)
	if n > 0 && err == io.EOF {
		err = nil
	}
	return n, err
}

// Write writes p at the file's offset and moves the offset past it, as
// os.File.Write. On a file with O_DIRECT the offset and len(p) must be
// aligned (see Alignment), so a file written by Write alone must be written
// in whole blocks.
//
// On a file opened with O_APPEND the kernel appends, and the offset moves to
// the end of the file as it is once the write is done: the end of this
// write, unless another writer appended meanwhile, in which case it is past
// theirs too. (The kernel does not report where an asynchronous append
// went; os.File's offset is the end of its own write.) On a file with
// O_DIRECT the end of the file must then be aligned, as offsets must.
func (f *File) Write(p []byte) (int, error) {
	if err := f.checkClosed("write"); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	f.offset.mu.Lock()
	defer f.offset.mu.Unlock()
	n, err := f.WriteAtContext(context.Background(), p, f.offset.off, 0)
	if f.append && n > 0 {
		if end, serr := f.size(); serr == nil {
			f.offset.off = end
		}
		return n, err
	}
	f.offset.off += int64(n)
	return n, err
}

// Seek sets the offset of the next Read or Write, as os.File.Seek, and
// returns the new offset: relative to the start of the file (io.SeekStart),
// the current offset (io.SeekCurrent), the end (io.SeekEnd; the length of a
// block device), or the next data or hole at or after offset (whence 3 and
// 4, unix.SEEK_DATA and unix.SEEK_HOLE, where the filesystem has them). The
// kernel's lseek(2) checks the new offset, so Seek refuses what os.File's
// would: an offset before the start, one beyond the largest file the
// filesystem allows or, on a block device, beyond its end, and any whence on
// a pipe or socket. The descriptor's own offset, which no request uses,
// moves with it.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	if err := f.checkClosed("seek"); err != nil {
		return 0, err
	}
	f.offset.mu.Lock()
	defer f.offset.mu.Unlock()
	if err := f.begin("seek"); err != nil {
		return 0, err
	}
	defer f.end()
	if whence == io.SeekCurrent {
		// The File's offset is its own, not the descriptor's: the kernel
		// is given the offset it makes.
		base := f.offset.off
		if (offset > 0 && base > math.MaxInt64-offset) || base+offset < 0 {
			return 0, pathError("seek", f.name, &argError{fmt.Sprintf("offset %d from the current offset %d is outside 0 to the largest file offset", offset, base)})
		}
		offset, whence = base+offset, io.SeekStart
	}
	var off int64
	err := ignoringEINTR(func() (err error) {
		off, err = unix.Seek(int(f.fd), offset, whence)
		return err
	})
	if err != nil {
		return 0, pathError("seek", f.name, seekError(err, offset, whence))
	}
	f.offset.off = off
	return off, nil
}

// seekError explains the errors of lseek(2) that leave the caller guessing.
func seekError(err error, offset int64, whence int) error {
	switch err {
	case unix.ESPIPE:
		return &hintError{errno: unix.ESPIPE, hint: "the file is a pipe, socket or terminal, which has no offset to seek"}
	case unix.ENXIO:
		if whence == unix.SEEK_DATA || whence == unix.SEEK_HOLE {
			return &hintError{errno: unix.ENXIO, hint: fmt.Sprintf("offset %d is at or beyond the end of the file", offset)}
		}
	case unix.EINVAL:
		switch whence {
		case io.SeekStart, io.SeekEnd, unix.SEEK_DATA, unix.SEEK_HOLE:
			return &hintError{errno: unix.EINVAL, hint: fmt.Sprintf("offset %d (whence %d) is before the start of the file or beyond the largest offset the file allows", offset, whence)}
		}
		return &hintError{errno: unix.EINVAL, hint: fmt.Sprintf("whence %d: want io.SeekStart, io.SeekCurrent, io.SeekEnd, unix.SEEK_DATA or unix.SEEK_HOLE", whence)}
	}
	return err
}

// size returns the length of the file or block device. The caller holds
// offset.mu, which Seek holds while it moves the descriptor's offset.
func (f *File) size() (int64, error) {
	if err := f.begin("seek"); err != nil {
		return 0, err
	}
	defer f.end()
	end, err := unix.Seek(int(f.fd), 0, io.SeekEnd)
	if err != nil {
		return 0, pathError("seek", f.name, seekError(err, 0, io.SeekEnd))
	}
	return end, nil
}
