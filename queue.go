package aio

import (
	"context"
	"errors"
)

// A Queue is one consumer's share of a Context's batch requests: Wait on a
// Queue returns only the requests submitted through that Queue. Components
// that share a Context (contexts are few: fs.aio-max-nr bounds them) each
// take a Queue of their own, so that none of them is handed, and has to
// route, another's completions. The Context's own Submit and Wait use its
// default Queue. A Queue is safe for concurrent use; it needs no closing,
// and ends with its Context.
type Queue struct {
	c    *Context
	done completionQueue
}

// NewQueue returns a new Queue of c's batch requests.
func (c *Context) NewQueue() *Queue {
	q := &Queue{c: c}
	q.done.init(min(c.maxEvents, 64))
	return q
}

// Submit starts the requests on c's default Queue: Context.Wait returns
// them. See Queue.Submit.
func (c *Context) Submit(reqs ...*Request) (int, error) {
	return c.queue.SubmitContext(context.Background(), reqs...)
}

// SubmitContext is Submit with a context, which ends the wait for free
// slots. See Queue.SubmitContext.
func (c *Context) SubmitContext(ctx context.Context, reqs ...*Request) (int, error) {
	return c.queue.SubmitContext(ctx, reqs...)
}

// Wait waits for requests submitted on c's default Queue (with
// Context.Submit). See Queue.Wait.
func (c *Context) Wait(ctx context.Context, done []*Request, min int) (int, error) {
	return c.queue.Wait(ctx, done, min)
}

// Submit starts the requests, in io_submit calls of up to 8 requests each
// (small enough that the device starts on the first ones early). It
// waits while MaxEvents requests are in flight. Every request it accepts
// comes back exactly once from q's Wait, with N and Err set; requests that
// the kernel rejects come back that way too, with the kernel's error.
//
// Submit returns how many requests it accepted, in order. It stops with an
// error at a request that is invalid (its File, Op, buffers, offset, flags or
// alignment; the error says which) or still in flight, or when the Context
// or a File is closed; the requests before it were accepted.
func (q *Queue) Submit(reqs ...*Request) (int, error) {
	return q.SubmitContext(context.Background(), reqs...)
}

// SubmitContext is Submit, except that it gives up waiting for free slots
// when ctx is done: it then returns how many requests it accepted, and
// ctx.Err(). The accepted requests are submitted and come back from Wait
// as usual.
func (q *Queue) SubmitContext(ctx context.Context, reqs ...*Request) (int, error) {
	c := q.c
	if c.closed.Load() {
		return 0, errContextClosed
	}
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
			if idx, err = c.acquire(ctx); err != nil {
				r.File.end()
				r.inFlight.Store(false)
				if err == errContextClosed {
					err = pathError(opInfo[r.Op].name, r.File.name, err)
				}
				return i, err
			}
		}
		if r.Op == OpPoll {
			r.File.preparePoll(idx, r.File.fd, r.Events)
		} else {
			r.File.prepare(idx, opInfo[r.Op].cmd, r.Buf, r.Bufs, r.Offset, r.Flags, r.File.priorityOf(r.Priority), false)
		}
		r.queue = &q.done
		c.slots[idx].req = r
		pending[n] = idx
		if n++; n == len(pending) {
			flush()
		}
	}
	return len(reqs), nil
}

// Wait waits until at least min of the requests submitted through q have
// completed, stores up to len(done) completed requests in done, and returns
// how many it stored. A min below 1 means 1; above len(done) it means
// len(done).
//
// Wait never returns completed requests together with an error, so the
// usual check, if err != nil, drops none: when ctx is done, or the Context
// is closed, it returns the completed requests it has with a nil error, and
// the error (ctx.Err(), or ErrClosed once no completed request is left)
// from a later call that finds none. So Wait, alone of the methods, still
// returns requests after Close: those that Submit accepted before it, each
// of which comes back exactly once.
//
// While it waits, Wait reaps completions itself, blocking in io_getevents
// when nothing has completed yet, unless another goroutine is reaping.
func (q *Queue) Wait(ctx context.Context, done []*Request, min int) (int, error) {
	c := q.c
	if len(done) == 0 {
		if c.closed.Load() {
			return 0, errContextClosed
		}
		return 0, errors.New("aio: Wait needs room for at least one request")
	}
	if min > len(done) {
		min = len(done)
	}
	if min < 1 {
		min = 1
	}
	w := batchWait{q: q, got: done, min: min, ctxWait: newCtxWait(ctx)}
	for {
		if w.n += q.done.pop(done[w.n:]); w.n >= min {
			return w.n, nil
		}
		if w.isDone() {
			if w.n > 0 {
				return w.n, nil
			}
			return 0, ctx.Err()
		}
		if c.enterPark() {
			c.lead(queueOwner(&q.done), &w.ctxWait, w.enough, w.isDone)
			continue
		}
		select {
		case <-q.done.signal:
		case <-c.reaper.nudge:
		case <-w.done:
		case <-c.drained:
			c.leavePark()
			if w.n += q.done.pop(done[w.n:]); w.n > 0 {
				return w.n, nil
			}
			return 0, errContextClosed
		}
		c.leavePark()
	}
}

// A batchWait is a Wait in progress.
type batchWait struct {
	q      *Queue
	got    []*Request // Wait's done
	n, min int
	ctxWait
}

// enough takes what the Queue holds, up to what Wait has room for, and
// reports whether Wait has min requests.
func (w *batchWait) enough() bool {
	w.n += w.q.done.pop(w.got[w.n:])
	return w.n >= w.min
}
