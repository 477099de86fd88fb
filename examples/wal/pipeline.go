package wal

import (
	"fmt"

	"github.com/linuxaio/aio"
)

// submitter writes the blocks that hold bytes not yet durable (see Log),
// until the Log stops.
func (l *Log) submitter() {
	batch := make([]*aio.Request, 0, l.s.maxInFlight)
	for {
		select {
		case <-l.stopCx.Done():
			return
		case <-l.work:
		}
		l.mu.Lock()
		batch = l.collect(batch[:0])
		l.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		n, err := l.q.Submit(batch...)
		if err != nil {
			// Those not accepted will never complete: fail the log.
			l.mu.Lock()
			for _, r := range batch[n:] {
				l.settle(r, fmt.Errorf("submitting: %w", err))
			}
			l.mu.Unlock()
		}
	}
}

// collect prepares a request for each run of adjacent blocks that hold
// bytes not yet durable, have no write in flight, have been preallocated,
// and lie in one stretch of the ring's memory. It is called with mu held.
func (l *Log) collect(batch []*aio.Request) []*aio.Request {
	if l.err != nil {
		return batch
	}
	r := &l.ring
	ready := l.pre.ready.Load()
	var run write
	flush := func() {
		if run.blocks == 0 {
			return
		}
		req := l.free[len(l.free)-1]
		l.free = l.free[:len(l.free)-1]
		s := r.slot(run.first)
		req.Buf = r.mem[s*r.bs : (s+int64(run.blocks))*r.bs]
		req.Offset = run.first * r.bs
		l.writes[req.Tag] = run
		for b := run.first; b < run.first+int64(run.blocks); b++ {
			r.stateOf(b).writing = true
		}
		l.inflight++
		batch = append(batch, req)
		run = write{}
	}
	for b := r.head; b*r.bs < l.end && (b+1)*r.bs <= ready; b++ {
		st, filled := r.stateOf(b), r.filled(b, l.end)
		if st.writing || filled <= st.written {
			flush()
			continue
		}
		if run.blocks > 0 && (run.blocks == l.maxIO || r.slot(b) == 0) {
			flush()
		}
		if run.blocks == 0 {
			if len(l.free) == 0 {
				break
			}
			run.first = b
		}
		run.blocks++
		run.lastFilled = filled
	}
	flush()
	return batch
}

// completer reaps the Log's writes until the Log stops.
func (l *Log) completer() {
	done := make([]*aio.Request, l.s.maxInFlight)
	for {
		n, err := l.q.Wait(l.stopCx, done, 1)
		if n > 0 {
			l.mu.Lock()
			for _, r := range done[:n] {
				l.settle(r, r.Err)
			}
			// Blocks may be waiting for a free request, or have filled
			// further while they were being written.
			more := l.err == nil && l.durable < l.end
			l.mu.Unlock()
			if more {
				kick(l.work)
			}
		}
		if err != nil {
			if l.stopCx.Err() != nil {
				return
			}
			l.mu.Lock()
			l.fail(fmt.Errorf("waiting for writes: %w", err))
			l.mu.Unlock()
			return
		}
	}
}

// settle records the end of the write r with the error err, returns its
// request to the free list, moves the durable end of the log on and
// releases the Appends it makes durable. It is called with mu held.
func (l *Log) settle(r *aio.Request, err error) {
	w := l.writes[r.Tag]
	l.free = append(l.free, r)
	l.inflight--
	if err == nil && r.N != len(r.Buf) {
		err = fmt.Errorf("a write of %d bytes at offset %d wrote %d", len(r.Buf), r.Offset, r.N)
	}
	for b := w.first; b < w.first+int64(w.blocks); b++ {
		st := l.ring.stateOf(b)
		st.writing = false
		if err == nil {
			written := int(l.bs)
			if b == w.first+int64(w.blocks)-1 {
				written = w.lastFilled
			}
			st.written = max(st.written, written)
		}
	}
	if err != nil {
		l.fail(err)
	} else {
		l.durable = l.ring.advance()
		l.waiters.release(l.durable)
	}
	l.changed.notify()
}

// fail stops the log after err: every waiting Append, and every later one,
// gets it. It is called with mu held.
func (l *Log) fail(err error) {
	if l.err == nil {
		l.err = fmt.Errorf("wal: %s: the log stopped at offset %d (records after it are not durable): %w", l.path, l.durable, err)
	}
	l.waiters.fail(l.err)
	l.changed.notify()
}

// preallocated wakes the submitter after the preallocator has moved on,
// and stops the log if the preallocator failed: no block beyond where it
// stopped can be written.
func (l *Log) preallocated() {
	if err := l.pre.failure(); err != nil {
		l.mu.Lock()
		l.fail(fmt.Errorf("preallocating: %w", err))
		l.mu.Unlock()
		return
	}
	kick(l.work)
}
