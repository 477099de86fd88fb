package aio

import "math"

// validate checks a request's arguments before anything reaches the kernel,
// so that every request it accepts is one the kernel accepts too: what the
// kernel would refuse with a bare EINVAL or EBADF (or, for O_DIRECT, fail in
// the completion) gets an error here that says what is wrong.
func (f *File) validate(cmd uint16, p []byte, bufs [][]byte, off int64, flags Flags) error {
	if flags&^knownFlags != 0 {
		return errUnknownFlags(flags)
	}
	if off < 0 {
		return errNegativeOffset
	}
	if cmd == iocbCmdPoll {
		return f.checkPoll(flags)
	}
	read := cmd == iocbCmdPread || cmd == iocbCmdPreadv
	write := cmd == iocbCmdPwrite || cmd == iocbCmdPwritev
	if !read && !write {
		return nil // fsync and fdatasync take no arguments
	}
	switch {
	case f.dir:
		return errDirectory
	case read && !f.readable:
		return errNotReadable
	case write && !f.writable:
		return errNotWritable
	}

	length, segments := len(p), 1
	if cmd == iocbCmdPreadv || cmd == iocbCmdPwritev {
		// Empty buffers are left out of the request (see iovecsFor), so
		// they count against neither the limit nor the alignment.
		length = 0
		nonempty := 0
		for _, b := range bufs {
			if len(b) > math.MaxInt-length {
				return errTooLong
			}
			length += len(b)
			if len(b) > 0 {
				nonempty++
			}
		}
		if nonempty > maxIovecs {
			return errTooManyBuffers
		}
		segments = nonempty
	}
	if length == 0 {
		return errEmptyBuffer
	}
	// The kernel refuses a request whose end is past the largest offset,
	// even an appending write's.
	if int64(length) > math.MaxInt64-off {
		return errOffsetOverflow(off, length)
	}
	if err := f.checkFlags(read, length, segments, off, flags); err != nil {
		return err
	}
	if !f.direct {
		return nil
	}

	// Appending writes go where the kernel puts them; only their memory
	// and length are checked.
	checkOffset := !(write && f.appends(flags))
	if cmd == iocbCmdPwrite {
		if err := f.align.checkPlace(len(p), off, checkOffset); err != nil {
			return err
		}
	}
	if cmd == iocbCmdPread || cmd == iocbCmdPwrite {
		return f.align.check(p, off, checkOffset)
	}
	if err := f.align.check(nil, off, checkOffset); err != nil {
		return err
	}
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if err := f.align.checkBuffer(b); err != nil {
			return err
		}
	}
	return nil
}
