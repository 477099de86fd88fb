package aio

import (
	"context"
	"errors"
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
// in whole blocks. On a file opened with O_APPEND the kernel appends, and
// the offset moves to the end of what was written.
func (f *File) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	f.offset.mu.Lock()
	defer f.offset.mu.Unlock()
	n, err := f.WriteAtContext(context.Background(), p, f.offset.off, 0)
	if f.append && n > 0 {
		// The kernel chose where the data went; the end of the file is at or
		// past its end, and is where os.File's offset would be.
		if end, serr := f.size(); serr == nil {
			f.offset.off = end
		}
		return n, err
	}
	f.offset.off += int64(n)
	return n, err
}

// Seek sets the offset of the next Read or Write, as os.File.Seek: relative
// to the start of the file (io.SeekStart), the current offset
// (io.SeekCurrent) or the end (io.SeekEnd, the length of a block device),
// and returns the new offset. Seeking beyond the end is allowed; an offset
// before the start is an error.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	f.offset.mu.Lock()
	defer f.offset.mu.Unlock()
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = f.offset.off
	case io.SeekEnd:
		end, err := f.size()
		if err != nil {
			return 0, err
		}
		base = end
	default:
		return 0, pathError("seek", f.name, &argError{fmt.Sprintf("whence %d: want io.SeekStart, io.SeekCurrent or io.SeekEnd", whence)})
	}
	if (offset > 0 && base > math.MaxInt64-offset) || base+offset < 0 {
		return 0, pathError("seek", f.name, &argError{fmt.Sprintf("offset %d from %d is outside 0 to the largest file offset", offset, base)})
	}
	f.offset.off = base + offset
	return f.offset.off, nil
}

// size returns the length of the file or block device.
func (f *File) size() (int64, error) {
	if err := f.begin("seek"); err != nil {
		return 0, err
	}
	defer f.end()
	// lseek moves the descriptor's offset, which no request uses.
	end, err := unix.Seek(int(f.fd), 0, io.SeekEnd)
	if err != nil {
		if errors.Is(err, unix.ESPIPE) {
			return 0, pathError("seek", f.name, &hintError{errno: unix.ESPIPE, hint: "the file is a pipe, socket or terminal, which has no end to seek from"})
		}
		return 0, pathError("seek", f.name, err)
	}
	return end, nil
}
