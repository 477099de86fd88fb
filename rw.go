package aio

import (
	"context"
	"io"
	"slices"
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
// flags. Like ReadAt, it returns io.EOF when, and only when, the read stops
// short at the end of the file or device. A read longer than the kernel
// moves at once (MAX_RW_COUNT, 0x7ffff000 bytes) continues with further
// requests. On a file with O_DIRECT, a read whose memory, offset or length
// is not aligned (see File.Alignment) reads the covering aligned range into
// memory of the package's own and copies the part asked for into p, unless
// the File is strict (SetStrictAlignment).
//
// If ctx is done before the request reaches the kernel (while it waits for
// a free slot, or queued for io_submit), ReadAtContext returns ctx.Err() at
// once. After submission the kernel may be writing into p, so it asks the
// kernel to cancel the request (io_cancel) and waits for it to complete
// either way; ordinary file and block-device reads cannot be cancelled and
// simply complete. It then returns the request's result, or ctx.Err() if
// the kernel cancelled it. Either way, the kernel no longer writes into p
// once it has returned.
func (f *File) ReadAtContext(ctx context.Context, p []byte, off int64, flags Flags) (int, error) {
	if err := f.checkClosed("read"); err != nil {
		return 0, err
	}
	if f.readsThrough(p, off) {
		return f.readThrough(ctx, p, off, flags)
	}
	return f.transfer(ctx, "read", iocbCmdPread, p, nil, off, flags)
}

// WriteAtContext writes p at offset off with the request flags flags; with
// FlagAppend the data goes to the end of the file and off only has to be
// valid. On a file with O_DIRECT, p is copied into aligned memory first if
// its address is not aligned (unless the File is strict); its offset and
// length must be aligned all the same. Like WriteAt, it returns an error whenever it writes less than
// len(p): a write longer than the kernel moves at once continues with
// further requests. Cancellation through ctx works as for ReadAtContext.
func (f *File) WriteAtContext(ctx context.Context, p []byte, off int64, flags Flags) (int, error) {
	if err := f.checkClosed("write"); err != nil {
		return 0, err
	}
	if f.writesThrough(p) {
		return f.writeThrough(ctx, p, off, flags)
	}
	return f.transfer(ctx, "write", iocbCmdPwrite, p, nil, off, flags)
}

// ReadvAtContext reads into the buffers bufs in turn, starting at offset
// off, in one request (IOCB_CMD_PREADV), or more when the total is longer
// than the kernel moves at once. It returns io.EOF when, and only when, the
// read stops short at the end of the file or device. On a file with
// O_DIRECT, if a buffer or the offset is not aligned, it reads buffer by
// buffer, as ReadAtContext does (unless the File is strict).
func (f *File) ReadvAtContext(ctx context.Context, bufs [][]byte, off int64, flags Flags) (int, error) {
	if err := f.checkClosed("readv"); err != nil {
		return 0, err
	}
	if f.readsThroughVector(bufs, off) {
		return f.readvThrough(ctx, bufs, off, flags)
	}
	return f.transfer(ctx, "readv", iocbCmdPreadv, nil, bufs, off, flags)
}

// WritevAtContext writes the buffers bufs in turn, starting at offset off,
// in one request (IOCB_CMD_PWRITEV), or more when the total is longer than
// the kernel moves at once. On a file with O_DIRECT, if a buffer's address
// is not aligned, it writes buffer by buffer, as WriteAtContext does
// (unless the File is strict); every buffer's length must be aligned.
func (f *File) WritevAtContext(ctx context.Context, bufs [][]byte, off int64, flags Flags) (int, error) {
	if err := f.checkClosed("writev"); err != nil {
		return 0, err
	}
	if f.writesThroughVector(bufs) {
		return f.writevThrough(ctx, bufs, off, flags)
	}
	return f.transfer(ctx, "writev", iocbCmdPwritev, nil, bufs, off, flags)
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

// transfer reads into or writes from p, or bufs for the vectored commands,
// at offset off, until all of it is done or an error stops it. The kernel
// moves at most MAX_RW_COUNT bytes per request and says so only by a short
// count, and a read stops short at the end of the file; so a short count is
// followed by a request for the rest, and only a read that then moves
// nothing has met the end of the file.
func (f *File) transfer(ctx context.Context, op string, cmd uint16, p []byte, bufs [][]byte, off int64, flags Flags) (int, error) {
	total := len(p)
	if bufs != nil {
		total = totalLen(bufs)
	}
	if total == 0 {
		// Nothing to move: as for os.File, 0 and no error, unless the
		// call would have failed anyway.
		if err := f.validate(cmd, p, bufs, off, flags); err != nil && err != errEmptyBuffer {
			return 0, pathError(op, f.name, err)
		}
		if err := f.begin(op); err != nil {
			return 0, err
		}
		f.end()
		return 0, nil
	}
	done := 0
	for {
		n, err := f.do(ctx, op, cmd, p, bufs, off, flags)
		done += n
		switch {
		case err != nil:
			return done, err
		case done == total:
			return done, nil
		case n == 0 || !f.align.continuable(n, f.direct):
			// Nothing more, or a direct read cut off at an unaligned
			// end of file, where the kernel would refuse to go on.
			if cmd == iocbCmdPread || cmd == iocbCmdPreadv {
				return done, io.EOF
			}
			return done, io.ErrShortWrite
		}
		if bufs != nil {
			bufs = advance(bufs, n)
		} else {
			p = p[n:]
		}
		off += int64(n)
	}
}

// totalLen returns the length of bufs together; validate has checked that
// it fits an int.
func totalLen(bufs [][]byte) int {
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	return n
}

// advance returns bufs without their first n bytes. It allocates, but only
// after a short count, which is rare.
func advance(bufs [][]byte, n int) [][]byte {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	rest := slices.Clone(bufs)
	if len(rest) > 0 {
		rest[0] = rest[0][n:]
	}
	return rest
}

// do runs one request: it checks the arguments, waits for a slot, submits,
// and waits for the completion. Exactly one of p and bufs is used by reads
// and writes; syncs use neither.
func (f *File) do(ctx context.Context, op string, cmd uint16, p []byte, bufs [][]byte, off int64, flags Flags) (int, error) {
	if err := f.checkClosed(op); err != nil {
		return 0, err
	}
	if err := f.validate(cmd, p, bufs, off, flags); err != nil {
		return 0, pathError(op, f.name, err)
	}
	prio := Priority(f.priority.Load())
	if err := prio.check(); err != nil {
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
		if err == errContextClosed {
			err = pathError(op, f.name, err)
		}
		return 0, err
	}
	// With many requests in the kernel already, this one is left to the
	// poller (see poller.go).
	f.prepare(idx, cmd, p, bufs, off, flags, prio, c.atDepth())
	f.submit(false, idx)
	res := f.await(ctx, idx)
	c.release(idx)

	switch {
	case res >= 0:
		return int(res), nil
	case res == resWithdrawn, res == -int64(syscall.ECANCELED) && ctx.Err() != nil:
		return 0, ctx.Err()
	}
	return 0, f.resultError(op, cmd, off, res, flags, prio)
}

// prepare fills slot idx for a read, write or sync on f with priority prio.
// A polled request signals the Context's eventfd when it completes; any
// other must be waited for in the kernel (see reap.go).
func (f *File) prepare(idx int32, cmd uint16, p []byte, bufs [][]byte, off int64, flags Flags, prio Priority, polled bool) {
	c := f.ctx
	s := &c.slots[idx]
	s.polled = polled
	s.file = f
	if path, flag := c.noWaitFor(f, cmd, flags); path {
		s.noWait = true
		if flag {
			flags |= FlagNoWait
		}
	}
	resfd := int32(-1)
	if polled {
		resfd = c.eventfd
	}
	switch {
	case cmd == iocbCmdPreadv || cmd == iocbCmdPwritev:
		s.bufs = bufs
		s.iov = iovecsFor(s.iov, bufs)
		s.cb.prepare(cmd, f.fd, unsafe.Pointer(unsafe.SliceData(s.iov)), len(s.iov), off, flags, resfd, uint64(idx))
		s.cb.setPriority(prio)
	case cmd == iocbCmdPread || cmd == iocbCmdPwrite:
		s.buf = p
		s.cb.prepare(cmd, f.fd, unsafe.Pointer(unsafe.SliceData(p)), len(p), off, flags, resfd, uint64(idx))
		s.cb.setPriority(prio)
	default:
		s.cb.prepare(cmd, f.fd, nil, 0, 0, 0, resfd, uint64(idx))
	}
}
