package aio

import (
	"context"
	"errors"
)

// Run keeps reqs in flight and hands each to handle as it completes, which
// is the usual loop of the batch API: submit a set of requests, wait, use
// what completed and send the same requests out again for the next offsets.
//
// Run submits reqs, and then calls handle with each request as it
// completes, in the order they complete, from the goroutine that called
// Run. The request's N and Err are set; handle owns it until it returns. If
// handle returns true, Run submits the request again, with what handle
// changed in it (typically its Offset, or its Buf); if false, the request is
// done. Run returns nil once no request is in flight. So len(reqs) is the
// depth: as many requests stay in flight as handle keeps going.
//
// A request's own failure (Err) is handle's to judge: to stop on it,
// return it. Run stops at the first error: one that handle returns, an
// invalid request that Submit refuses, ctx being done, or the Context's
// Close. It then submits nothing more and hands no more requests to
// handle, but waits, whatever ctx says, for every request still in flight
// to complete before it returns the error, since until then the kernel
// may still write into their buffers. When Run returns, no request is in
// flight, and each request that was submitted holds its last N and Err.
//
// Run's requests come back to Run only: it submits them on a Queue of its
// own, so a Wait on the Context or on another Queue never sees them, and
// concurrent calls of Run on one Context are fine.
func (c *Context) Run(ctx context.Context, reqs []*Request, handle func(r *Request) (again bool, err error)) error {
	if c.closed.Load() {
		return errContextClosed
	}
	if handle == nil {
		return errors.New("aio: Run: handle is nil; pass a function that uses each completed request")
	}
	if len(reqs) == 0 {
		return nil
	}
	q := c.NewQueue()
	inFlight, err := q.SubmitContext(ctx, reqs...)
	done := make([]*Request, len(reqs))
	again := make([]*Request, 0, len(reqs))
	for inFlight > 0 {
		waitCtx := ctx
		if err != nil {
			// Stopping: the requests in flight must come back all the same.
			waitCtx = context.WithoutCancel(ctx)
		}
		n, werr := q.Wait(waitCtx, done, 1)
		if werr != nil {
			if err == nil {
				err = werr
			}
			if errors.Is(werr, ErrClosed) {
				// Wait has handed back every request it accepted.
				break
			}
			continue
		}
		inFlight -= n
		again = again[:0]
		for _, r := range done[:n] {
			if err == nil {
				err = ctx.Err()
			}
			if err != nil {
				continue
			}
			more, herr := handle(r)
			switch {
			case herr != nil:
				err = herr
			case more:
				again = append(again, r)
			}
		}
		clear(done[:n])
		if err == nil && len(again) > 0 {
			k, serr := q.SubmitContext(ctx, again...)
			inFlight += k
			err = serr
		}
	}
	return err
}
