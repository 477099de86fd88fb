package aio

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// An Op is the operation of a Request.
type Op uint8

// The operations a Request can perform.
const (
	OpRead     Op = iota + 1 // read into Buf at Offset (IOCB_CMD_PREAD)
	OpWrite                  // write Buf at Offset (IOCB_CMD_PWRITE)
	OpReadv                  // read into Bufs in turn at Offset (IOCB_CMD_PREADV)
	OpWritev                 // write Bufs in turn at Offset (IOCB_CMD_PWRITEV)
	OpSync                   // fsync the File (IOCB_CMD_FSYNC)
	OpDatasync               // fdatasync the File (IOCB_CMD_FDSYNC)
)

var opInfo = [...]struct {
	name string
	cmd  uint16
}{
	OpRead:     {"read", iocbCmdPread},
	OpWrite:    {"write", iocbCmdPwrite},
	OpReadv:    {"readv", iocbCmdPreadv},
	OpWritev:   {"writev", iocbCmdPwritev},
	OpSync:     {"fsync", iocbCmdFsync},
	OpDatasync: {"fdatasync", iocbCmdFdsync},
}

func (op Op) valid() bool { return op >= OpRead && int(op) < len(opInfo) }

// String returns the operation's name.
func (op Op) String() string {
	if !op.valid() {
		return fmt.Sprintf("Op(%d)", uint8(op))
	}
	return opInfo[op].name
}

// A Request is one operation for Context.Submit, for callers that manage
// their own queue depth: one goroutine can keep many requests in flight,
// with one io_submit for many of them and no allocation per request.
//
// A Request belongs to the package from Submit until Wait returns it; then
// its results are set and it may be changed and submitted again. The memory
// in Buf or Bufs must not be touched meanwhile.
type Request struct {
	File   *File
	Op     Op
	Buf    []byte   // for OpRead and OpWrite
	Bufs   [][]byte // for OpReadv and OpWritev
	Offset int64
	Flags  Flags
	Tag    uint64 // the caller's own value; the package does not touch it

	// Set when Wait returns the request.
	//
	// N is the number of bytes transferred. It can be less than asked for
	// without an error: at the end of the file, and when the request is
	// longer than the kernel moves at once (MAX_RW_COUNT, 0x7ffff000
	// bytes), in which case the rest must be submitted again. (The calls of
	// File do that themselves.)
	N int
	// Err is nil, or an *os.PathError naming the file, which wraps the
	// errno and, for reads and writes, names the offset. A request that a
	// Close withdrew before it reached the kernel has an error matching
	// ErrClosed.
	Err error

	inFlight atomic.Bool
}

var (
	errRequestInFlight = errors.New("aio: request already submitted and not yet returned by Wait")
	errNoFile          = errors.New("aio: request has no File")
)

// finish records the result res of the request.
func (r *Request) finish(res int64) {
	if res >= 0 {
		r.N = int(res)
		r.Err = nil
		return
	}
	r.N = 0
	info := opInfo[r.Op]
	r.Err = r.File.resultError(info.name, r.File.offsetOf(info.cmd, r.Offset, r.Flags), res)
}

// Submit starts the requests, in io_submit calls of up to 8 requests each
// (small enough that the device starts on the first ones early). It
// waits while MaxEvents requests are in flight. Every request it accepts
// comes back exactly once from Wait, with N and Err set; requests that the
// kernel rejects come back that way too, with the kernel's error.
//
// Submit returns how many requests it accepted, in order. It stops with an
// error at a request that is invalid (its File, Op, buffers, offset, flags or
// alignment; the error says which) or still in flight, or when the Context
// or a File is closed; the requests before it were accepted.
func (c *Context) Submit(reqs ...*Request) (int, error) {
	var pending [64]int32
	n := 0
	// flush submits the pending requests, each run of requests on one File
	// in one go: each File has its own submission queue.
	flush := func() {
		for start := 0; start < n; {
			f := c.slots[pending[start]].req.File
			end := start + 1
			for end < n && c.slots[pending[end]].req.File == f {
				end++
			}
			f.submit(true, pending[start:end]...)
			start = end
		}
		n = 0
	}
	defer flush()

	for i, r := range reqs {
		if err := c.accept(r, flush); err != nil {
			return i, err
		}
		idx, ok := c.tryAcquire()
		if !ok {
			// Submit what is pending before waiting for a slot: the
			// slots in flight are what will come back.
			flush()
			var err error
			if idx, err = c.acquire(context.Background()); err != nil {
				r.File.end()
				r.inFlight.Store(false)
				return i, pathError(opInfo[r.Op].name, r.File.name, err)
			}
		}
		r.File.prepare(idx, opInfo[r.Op].cmd, r.Buf, r.Bufs, r.Offset, r.Flags, false)
		c.slots[idx].req = r
		pending[n] = idx
		if n++; n == len(pending) {
			flush()
		}
	}
	return len(reqs), nil
}

// accept checks r and claims it and its File for the time it is in flight.
// If it has to wait for the File (a Close is waiting for the File's requests
// to finish), it first calls flush to submit the requests accepted so far:
// Close could not finish while they sat unsubmitted.
func (c *Context) accept(r *Request, flush func()) error {
	if r == nil || r.File == nil {
		return errNoFile
	}
	if !r.Op.valid() {
		return pathError("submit", r.File.name, &argError{fmt.Sprintf("invalid Op %d", uint8(r.Op))})
	}
	name := opInfo[r.Op].name
	if r.File.ctx != c {
		return pathError(name, r.File.name, &argError{"the request's File belongs to another Context"})
	}
	if err := r.File.validate(opInfo[r.Op].cmd, r.Buf, r.Bufs, r.Offset, r.Flags); err != nil {
		return pathError(name, r.File.name, err)
	}
	if !r.inFlight.CompareAndSwap(false, true) {
		return errRequestInFlight
	}
	if !r.File.mu.TryRLock() {
		flush()
		r.File.mu.RLock()
	}
	if err := r.File.checkOpen(name); err != nil {
		r.inFlight.Store(false)
		return err
	}
	return nil
}

// Wait waits until at least min of the submitted requests have completed,
// stores up to len(done) completed requests in done, and returns how many it
// stored. It returns early with ctx.Err() if ctx is done, and with ErrClosed
// once the Context is closed and no completed request is left; the count is
// then what it stored before. A min below 1 means 1; above len(done) it means
// len(done).
//
// While it waits, Wait reaps completions itself, blocking in io_getevents
// when nothing has completed yet, unless another goroutine is reaping.
func (c *Context) Wait(ctx context.Context, done []*Request, min int) (int, error) {
	if len(done) == 0 {
		return 0, errors.New("aio: Wait needs room for at least one request")
	}
	if min > len(done) {
		min = len(done)
	}
	if min < 1 {
		min = 1
	}
	w := batchWait{c: c, got: done, min: min, ctxWait: newCtxWait(ctx)}
	for {
		if w.n += c.batch.pop(done[w.n:]); w.n >= min {
			return w.n, nil
		}
		if w.isDone() {
			return w.n, ctx.Err()
		}
		if c.enterPark() {
			c.lead(ownerBatch, &w.ctxWait, w.enough, w.isDone)
			continue
		}
		select {
		case <-c.batch.signal:
		case <-c.reaper.nudge:
		case <-w.done:
		case <-c.batch.closed:
			c.leavePark()
			if w.n += c.batch.pop(done[w.n:]); w.n >= min {
				return w.n, nil
			}
			return w.n, ErrClosed
		}
		c.leavePark()
	}
}

// A batchWait is a Wait in progress.
type batchWait struct {
	c      *Context
	got    []*Request // Wait's done
	n, min int
	ctxWait
}

// enough takes what the completion queue holds, up to what Wait has room
// for, and reports whether Wait has min requests.
func (w *batchWait) enough() bool {
	w.n += w.c.batch.pop(w.got[w.n:])
	return w.n >= w.min
}
