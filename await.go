package aio

import (
	"context"
	"runtime"
	"time"
)

// await waits for the completion of the request on f in slot idx and
// returns its result, taking its turn at reaping (see reap.go). If ctx is
// done first, it withdraws the request if it is still queued (the result is
// then resWithdrawn), or else asks the kernel to cancel it and keeps
// waiting: the slot, and the caller's buffer, are not given back before the
// kernel is done with them.
func (f *File) await(ctx context.Context, idx int32) int64 {
	c := f.ctx
	w := callWait{f: f, idx: idx, done: ctx.Done()}
	if w.done != nil {
		w.deadline, w.hasDeadline = ctx.Deadline()
	}
	s := &c.slots[idx]
	if s.polled {
		return w.awaitPolled()
	}
	for {
		if c.enterPark() {
			if res, ok := w.lead(); ok {
				return res
			}
			continue // nothing is in the kernel: park
		}
		select {
		case <-s.done:
			c.leavePark()
			return s.res
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

// awaitPolled waits for a request that signals the eventfd: the poller's
// goroutine, or whoever leads, delivers its completion.
func (w *callWait) awaitPolled() int64 {
	s := &w.f.ctx.slots[w.idx]
	if w.done == nil {
		<-s.done
		return s.res
	}
	select {
	case <-s.done:
		return s.res
	case <-w.done:
		if w.giveUp() {
			return resWithdrawn
		}
		<-s.done
		return s.res
	}
}

// A callWait is a call waiting for its request's completion.
type callWait struct {
	f           *File
	idx         int32
	done        <-chan struct{} // the context's, until it is done
	deadline    time.Time
	hasDeadline bool
}

// lead reaps until the request completes and returns its result, or until
// no request in the kernel needs a leader to wait for it, when it reports
// false. The caller leads; lead
// steps down before it returns.
func (w *callWait) lead() (int64, bool) {
	c := w.f.ctx
	s := &c.slots[w.idx]
	woke := 0
	for {
		woke += c.reapLocked(w.idx)
		select {
		case <-s.done:
			c.stepDown()
			return s.res, true
		default:
		}
		if woke > 0 && c.mustBlock() {
			// Let the goroutines just woken run, and submit, before
			// looking again rather than waiting in the kernel.
			woke = 0
			runtime.Gosched()
			continue
		}
		if w.done != nil && isDone(w.done) && w.giveUp() {
			c.stepDown()
			return resWithdrawn, true
		}
		if !c.mustBlock() {
			c.stepDown()
			return 0, false
		}
		woke = c.reapWait(w.idx, 1, waitTimeout(w.done, w.deadline, w.hasDeadline))
	}
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

func isDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
