package aio

import "context"

// await waits for the completion of the request on f in slot idx and
// returns its result, taking its turn at reaping (see reap.go). If ctx is
// done first, it withdraws the request if it is still queued (the result is
// then resWithdrawn), or else asks the kernel to cancel it and keeps
// waiting: the slot, and the caller's buffer, are not given back before the
// kernel is done with them.
func (f *File) await(ctx context.Context, idx int32) int64 {
	c := f.ctx
	w := callWait{f: f, idx: idx, ctxWait: newCtxWait(ctx)}
	s := &c.slots[idx]
	if s.polled {
		return w.awaitPolled()
	}
	for {
		if c.enterPark() {
			if res, ok := w.lead(); ok {
				return res
			}
			continue // nothing to wait for in the kernel: park
		}
		select {
		case <-s.done:
			c.leavePark()
			return c.taken(s)
		case <-c.reaper.nudge:
			c.leavePark()
		case <-w.done:
			c.leavePark()
			if w.giveUp() {
				return resWithdrawn
			}
		}
	}
}

// A callWait is a call waiting for its request's completion.
type callWait struct {
	f   *File
	idx int32
	ctxWait
}

// awaitPolled waits for a request that signals the eventfd: the poller's
// goroutine, or whoever leads, delivers its completion.
func (w *callWait) awaitPolled() int64 {
	c := w.f.ctx
	s := &c.slots[w.idx]
	if w.done != nil {
		select {
		case <-s.done:
			return c.taken(s)
		case <-w.done:
			if w.giveUp() {
				return resWithdrawn
			}
		}
	}
	<-s.done
	return c.taken(s)
}

// taken returns the result of the call in slot s, whose goroutine has just
// received it from s.done.
func (c *Context) taken(s *slot) int64 {
	c.reaper.woken.Add(-1)
	return s.res
}

// lead reaps as the leader until the request completes, or is withdrawn
// because the context is done, and returns its result; or until nothing in
// the kernel needs a leader, when it reports false.
func (w *callWait) lead() (int64, bool) {
	c := w.f.ctx
	s := &c.slots[w.idx]
	var res int64
	ready := func() bool {
		select {
		case <-s.done:
			res = c.taken(s)
			return true
		default:
			return false
		}
	}
	withdrawn := false
	stop := func() bool {
		withdrawn = w.isDone() && w.giveUp()
		return withdrawn
	}
	switch {
	case c.lead(callOwner(w.idx), &w.ctxWait, ready, stop):
		return res, true
	case withdrawn:
		return resWithdrawn, true
	}
	return 0, false
}

// giveUp handles the end of the caller's context: it withdraws the request
// if it is still queued, and reports so; otherwise it asks the kernel to
// cancel it, and from then on the wait ignores the context.
func (w *callWait) giveUp() bool {
	w.done = nil
	if w.f.withdraw(w.idx) {
		return true
	}
	// io_cancel reports EINVAL for requests that cannot be cancelled
	// (every ordinary read and write) or that are still on their way into
	// the kernel; cancelled ones still complete on the ring, with
	// ECANCELED.
	var ev ioEvent
	ioCancel(w.f.ctx.id, &w.f.ctx.slots[w.idx].cb, &ev)
	return false
}
