package aio

import (
	"context"
	"io"
	"syscall"
	"unsafe"
)

var (
	_ io.ReaderAt = (*File)(nil)
	_ io.WriterAt = (*File)(nil)
)

// ReadAt reads len(p) bytes at offset off, as io.ReaderAt: when fewer bytes
// are read because the file or device ends, the error is io.EOF.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	return f.ReadAtContext(context.Background(), p, off, 0)
}

// WriteAt writes p at offset off, as io.WriterAt. On a file opened with
// O_APPEND the kernel appends and off only has to be valid.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	return f.WriteAtContext(context.Background(), p, off, 0)
}

// ReadAtContext reads len(p) bytes at offset off with the request flags
// flags. Like ReadAt, it returns io.EOF when the read stops short at the end
// of the file or device.
//
// If ctx is done before the request is submitted (while it waits for a free
// slot), ReadAtContext returns ctx.Err() at once. After submission the kernel
// may be writing into p, so it asks the kernel to cancel the request
// (io_cancel) and waits for it to complete either way; ordinary file and
// block-device reads cannot be cancelled and simply complete. It then
// returns the request's result, or ctx.Err() if the kernel cancelled it.
func (f *File) ReadAtContext(ctx context.Context, p []byte, off int64, flags Flags) (int, error) {
	n, err := f.do(ctx, "read", iocbCmdPread, p, nil, off, flags)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

// WriteAtContext writes p at offset off with the request flags flags; with
// FlagAppend the data goes to the end of the file and off only has to be
// valid. A write that stops short returns io.ErrShortWrite. Cancellation
// through ctx works as for ReadAtContext.
func (f *File) WriteAtContext(ctx context.Context, p []byte, off int64, flags Flags) (int, error) {
	n, err := f.do(ctx, "write", iocbCmdPwrite, p, nil, off, flags)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

// ReadvAtContext reads into the buffers bufs in turn, starting at offset
// off, in one request (IOCB_CMD_PREADV). It returns io.EOF when the read
// stops short at the end of the file or device.
func (f *File) ReadvAtContext(ctx context.Context, bufs [][]byte, off int64, flags Flags) (int, error) {
	n, err := f.do(ctx, "readv", iocbCmdPreadv, nil, bufs, off, flags)
	if err == nil && n < totalLen(bufs) {
		err = io.EOF
	}
	return n, err
}

// WritevAtContext writes the buffers bufs in turn, starting at offset off,
// in one request (IOCB_CMD_PWRITEV).
func (f *File) WritevAtContext(ctx context.Context, bufs [][]byte, off int64, flags Flags) (int, error) {
	n, err := f.do(ctx, "writev", iocbCmdPwritev, nil, bufs, off, flags)
	if err == nil && n < totalLen(bufs) {
		err = io.ErrShortWrite
	}
	return n, err
}

// Sync flushes the file's data and metadata to stable storage
// (IOCB_CMD_FSYNC), asynchronously to the calling thread.
func (f *File) Sync() error { return f.SyncContext(context.Background()) }

// SyncContext is Sync with a context; cancellation works as for
// ReadAtContext.
func (f *File) SyncContext(ctx context.Context) error {
	_, err := f.do(ctx, "fsync", iocbCmdFsync, nil, nil, 0, 0)
	return err
}

// Datasync flushes the file's data, and only the metadata needed to read it
// back, to stable storage (IOCB_CMD_FDSYNC).
func (f *File) Datasync() error { return f.DatasyncContext(context.Background()) }

// DatasyncContext is Datasync with a context; cancellation works as for
// ReadAtContext.
func (f *File) DatasyncContext(ctx context.Context) error {
	_, err := f.do(ctx, "fdatasync", iocbCmdFdsync, nil, nil, 0, 0)
	return err
}

func totalLen(bufs [][]byte) int {
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	return n
}

// do runs one request: it checks the arguments, waits for a slot, submits,
// and waits for the completion. Exactly one of p and bufs is used by reads
// and writes; syncs use neither.
func (f *File) do(ctx context.Context, op string, cmd uint16, p []byte, bufs [][]byte, off int64, flags Flags) (int, error) {
	if err := f.validate(cmd, p, bufs, off, flags); err != nil {
		return 0, pathError(op, f.name, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := f.begin(op); err != nil {
		return 0, err
	}
	defer f.end()

	c := f.ctx
	idx, err := c.acquire(ctx)
	if err != nil {
		if err == ErrClosed {
			err = pathError(op, f.name, err)
		}
		return 0, err
	}
	f.prepare(idx, cmd, p, bufs, off, flags)
	c.submit(idx)
	res := c.await(ctx, idx)
	c.release(idx)

	if res < 0 {
		errno := syscall.Errno(-res)
		if errno == syscall.ECANCELED && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, pathError(op, f.name, errnoErr(errno))
	}
	return int(res), nil
}

// prepare fills slot idx for a request on f.
func (f *File) prepare(idx int32, cmd uint16, p []byte, bufs [][]byte, off int64, flags Flags) {
	c := f.ctx
	s := &c.slots[idx]
	switch {
	case cmd == iocbCmdPreadv || cmd == iocbCmdPwritev:
		s.bufs = bufs
		s.iov = iovecsFor(s.iov, bufs)
		s.cb.prepare(cmd, f.fd, unsafe.Pointer(unsafe.SliceData(s.iov)), len(s.iov), off, flags, int32(c.eventfd), uint64(idx))
	case cmd == iocbCmdPread || cmd == iocbCmdPwrite:
		s.buf = p
		s.cb.prepare(cmd, f.fd, unsafe.Pointer(unsafe.SliceData(p)), len(p), off, flags, int32(c.eventfd), uint64(idx))
	default:
		s.cb.prepare(cmd, f.fd, nil, 0, 0, 0, int32(c.eventfd), uint64(idx))
	}
}

// await waits for the completion of the request in slot idx and returns its
// result. If ctx is done first, it asks the kernel to cancel the request and
// keeps waiting: the slot, and the caller's buffer, are not given back before
// the kernel is done with them.
func (c *Context) await(ctx context.Context, idx int32) int64 {
	s := &c.slots[idx]
	done := ctx.Done()
	if done == nil {
		<-s.done
		return s.res
	}
	select {
	case <-s.done:
		return s.res
	case <-done:
		// io_cancel reports EINVAL for requests that cannot be cancelled
		// (every ordinary read and write) or that have not been submitted
		// yet; cancelled ones still complete on the ring, with ECANCELED.
		var ev ioEvent
		ioCancel(c.id, &s.cb, &ev)
		<-s.done
		return s.res
	}
}

// validate checks a request's arguments before anything reaches the kernel.
func (f *File) validate(cmd uint16, p []byte, bufs [][]byte, off int64, flags Flags) error {
	if flags&^knownFlags != 0 {
		return errUnknownFlags(flags)
	}
	if off < 0 {
		return errNegativeOffset
	}
	write := cmd == iocbCmdPwrite || cmd == iocbCmdPwritev
	checkOffset := !(write && (flags&FlagAppend != 0 || f.append))
	switch cmd {
	case iocbCmdPread, iocbCmdPwrite:
		if len(p) == 0 {
			return errEmptyBuffer
		}
		if f.direct {
			return f.align.check(p, off, checkOffset)
		}
	case iocbCmdPreadv, iocbCmdPwritev:
		if len(bufs) > maxIovecs {
			return errTooManyBuffers
		}
		if totalLen(bufs) == 0 {
			return errEmptyBuffer
		}
		if f.direct {
			if err := f.align.check(nil, off, checkOffset); err != nil {
				return err
			}
			for _, b := range bufs {
				if err := f.align.checkBuffer(b); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
