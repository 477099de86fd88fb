package aio

import (
	"context"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A slot is the state of one request in flight. The Context's slots live in
// one array allocated with it, so the iocb the kernel points at never moves,
// and the references to the caller's buffers keep them reachable until the
// completion has been reaped.
//
// The life of a request, and who may touch its slot at each step:
//
//   - free: in c.free; nobody touches it.
//   - prepared: taken by acquire; its caller fills the iocb and the buffer
//     references (File.prepare).
//   - queued: in its File's submitQueue, armed. The queue's mutex guards it:
//     a submitter may take it, or its caller (context done) or a Close may
//     withdraw it, and then it never reaches the kernel.
//   - submitting: taken into a submitter's batch. It will be submitted, or
//     completed with the error io_submit gives it.
//   - in the kernel: the kernel may read the iocb and use the buffers.
//     Nothing may touch them; a caller whose context is done may only ask
//     io_cancel.
//   - retrying (WithNoWait only): the kernel answered EAGAIN, or refused
//     RWF_NOWAIT, and complete handed the slot, still armed, to a retrier
//     instead of delivering it; the retrier clears the flag and submits it
//     again, and it is in the kernel once more (nowait.go).
//   - completed: complete delivered the result and disarmed the slot (a
//     reap by whoever leads, see reap.go; io_submit's error; or resClosed
//     from a Close). A call's waiter
//     wakes on done; a batch request is finished and queued for Wait.
//   - released: release drops the buffer references and frees the slot.
//     The slot of a batch request is released by complete itself, after the
//     request is queued for Wait; a call's by the caller.
type slot struct {
	cb   iocb
	iov  []unix.Iovec // the iovecs of a vectored request
	buf  []byte       // keeps the caller's buffer alive while in flight
	bufs [][]byte     // likewise for vectored requests

	// armed is set when the slot is queued for submission and cleared when
	// its completion is delivered or it is withdrawn. The kernel orders the
	// two, but the race
	// detector cannot see that; the atomic makes the order visible to it and
	// catches a completion delivered twice.
	armed atomic.Bool

	polled bool  // the request signals the eventfd (see poller.go)
	noWait bool  // on the NOWAIT path: an EAGAIN is retried (nowait.go)
	file   *File // the File of a read or write, which the NOWAIT path marks
	poll   bool  // an IOCB_CMD_POLL, in the Context's pollSet

	res  int64         // the completion's result: bytes, or -errno
	done chan struct{} // receives once when a call's request completes
	req  *Request      // the batch request, nil for a call
}

// acquire waits for a free slot. It gives up when ctx is done or the Context
// closes, and then nothing has been submitted.
func (c *Context) acquire(ctx context.Context) (int32, error) {
	if idx, ok := c.tryAcquire(); ok {
		return idx, nil
	}
	var idx int32
	select {
	case idx = <-c.free:
	case <-ctx.Done():
		return -1, ctx.Err()
	case <-c.closing:
		return -1, errContextClosed
	}
	if c.closed.Load() {
		c.free <- idx
		return -1, errContextClosed
	}
	return idx, nil
}

// tryAcquire takes a free slot if there is one and the Context is open.
func (c *Context) tryAcquire() (int32, bool) {
	select {
	case idx := <-c.free:
		if c.closed.Load() {
			c.free <- idx
			return -1, false
		}
		return idx, true
	default:
		return -1, false
	}
}

// arm marks slot idx queued for submission. A request that is not polled
// is counted from then on among those a leader must wait for in the kernel
// (reap.go), until disarm.
func (c *Context) arm(idx int32) {
	s := &c.slots[idx]
	if !s.polled {
		c.reaper.blocking.Add(1)
	}
	s.armed.Store(true)
}

// disarm ends what arm began, when the request's completion is delivered or
// it is withdrawn. It reports false if the slot was not armed.
func (c *Context) disarm(idx int32) bool {
	s := &c.slots[idx]
	if !s.armed.Swap(false) {
		return false
	}
	if !s.polled {
		c.reaper.blocking.Add(-1)
	}
	return true
}

// release clears a slot whose completion has been reaped and frees it.
func (c *Context) release(idx int32) {
	s := &c.slots[idx]
	s.buf, s.bufs, s.req, s.file = nil, nil, nil, nil
	s.polled, s.poll, s.noWait = false, false, false
	clear(s.iov)
	c.free <- idx
}
