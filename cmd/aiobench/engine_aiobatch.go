package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/linuxaio/aio"
)

// A batchLoop keeps queueDepth aio.Requests in flight from one goroutine:
// it submits them all, and each time Wait hands back completed ones it
// resubmits them at new offsets in one Submit call. Nothing in the loop
// allocates: the requests, the completion slice and the submission slice
// are made once.
type batchLoop struct {
	ctx      *aio.Context
	file     *aio.File
	buffers  *ioBuffers
	workload *workload
	// writeFlags go on every write request: aio.FlagDSync with -sync dsync.
	writeFlags aio.Flags

	requests  []aio.Request
	submitted []time.Time // by Request.Tag: when the request was last submitted
	done      []*aio.Request
	pending   []*aio.Request // to submit next
	inFlight  int
}

// openAIOBatch prepares the aio-batch engine.
func openAIOBatch(j job) (ioLoop, error) {
	ctx, file, err := openAIOFile(j)
	if err != nil {
		return nil, err
	}
	buffers, err := newIOBuffers(j.queueDepth, j.workload.blockSize)
	if err != nil {
		return nil, errors.Join(err, file.Close(), ctx.Close())
	}
	b := &batchLoop{
		ctx:       ctx,
		file:      file,
		buffers:   buffers,
		workload:  j.workload,
		requests:  make([]aio.Request, j.queueDepth),
		submitted: make([]time.Time, j.queueDepth),
		done:      make([]*aio.Request, j.queueDepth),
		pending:   make([]*aio.Request, 0, j.queueDepth),
	}
	if j.dsync {
		b.writeFlags = aio.FlagDSync
	}
	for i := range b.requests {
		b.requests[i] = aio.Request{File: file, Buf: buffers.bytes[i], Tag: uint64(i)}
	}
	return b, nil
}

func (b *batchLoop) run(m *meter) error {
	im := m.issuer(0)
	stream := b.workload.newStream(rand.Uint64())
	b.pending = b.pending[:0]
	for i := range b.requests {
		b.pending = append(b.pending, b.aim(&b.requests[i], stream))
	}
	firstErr := b.submitPending()
	for b.inFlight > 0 {
		n, err := b.ctx.Wait(context.Background(), b.done, 1)
		if err != nil {
			// Wait fails only if the context is closed; nothing more will come back.
			return errors.Join(firstErr, err)
		}
		now := time.Now()
		b.inFlight -= n
		for _, r := range b.done[:n] {
			if err := completionError(r); err != nil {
				firstErr = cmp.Or(firstErr, err)
				m.stop.Store(true)
				continue
			}
			im.record(now.Sub(b.submitted[r.Tag]), r.Op == aio.OpWrite)
			if firstErr == nil && !m.stopping() {
				b.pending = append(b.pending, b.aim(r, stream))
			}
		}
		firstErr = cmp.Or(firstErr, b.submitPending())
	}
	return firstErr
}

// aim points r at the next I/O of stream.
func (b *batchLoop) aim(r *aio.Request, stream *ioStream) *aio.Request {
	offset, write := stream.next()
	r.Offset = offset
	r.Op, r.Flags = aio.OpRead, 0
	if write {
		r.Op, r.Flags = aio.OpWrite, b.writeFlags
	}
	return r
}

// submitPending submits the pending requests in one call and empties the
// list. On error the requests that were not accepted are dropped, which
// ends the run once those in flight are back.
func (b *batchLoop) submitPending() error {
	if len(b.pending) == 0 {
		return nil
	}
	now := time.Now()
	for _, r := range b.pending {
		b.submitted[r.Tag] = now
	}
	n, err := b.ctx.Submit(b.pending...)
	b.inFlight += n
	b.pending = b.pending[:0]
	return err
}

// completionError returns the error of a completed request, counting a
// short transfer as one.
func completionError(r *aio.Request) error {
	if r.Err != nil {
		return r.Err
	}
	if r.N != len(r.Buf) {
		return fmt.Errorf("short transfer at offset %d: %d of %d bytes", r.Offset, r.N, len(r.Buf))
	}
	return nil
}

func (b *batchLoop) close() error {
	return errors.Join(b.file.Close(), b.ctx.Close(), b.buffers.free())
}
