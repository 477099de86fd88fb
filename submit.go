package aio

import (
	"runtime"
	"sync"
	"syscall"
	"time"
)

// A submitter coalesces the requests of concurrent callers into shared
// io_submit calls. A caller queues its iocb; if no one is submitting, it
// becomes a submitter and submits everything queued, again and again, until
// the queue is empty. Requests that arrive while an io_submit is under way
// ride on the next one.
//
// io_submit does not always return at once: on buffered files, for writes
// that allocate, or when a device's queue is full, it does the I/O itself.
// Requests queued behind such a call would wait for it, one after another,
// so a caller that finds the running io_submit older than stallAfter does
// not queue behind it but becomes a submitter too, up to maxSubmitters (2) at
// once: each may hold an OS thread in the kernel, and the package's promise
// is a few threads, not one per request. Each submitter owns the batch it
// took; batches are reused, so submitting does not allocate.
type submitter struct {
	mu      sync.Mutex
	queue   []*iocb   // waiting for a submitter
	spares  [][]*iocb // batches not in use
	active  int       // goroutines submitting
	started time.Duration
}

// stallAfter is how long an io_submit may run before callers stop queueing
// behind it. Submitting a batch of requests that the kernel queues without
// blocking takes a few microseconds per request.
const stallAfter = 50 * time.Microsecond

// maxSubmitters bounds the goroutines inside io_submit at once.
const maxSubmitters = 2

// monotonicBase anchors the submitter's clock.
var monotonicBase = time.Now()

func (s *submitter) init(n int) {
	s.queue = make([]*iocb, 0, n)
}

// batch returns an empty batch with room for every slot.
func (s *submitter) batch() []*iocb {
	if n := len(s.spares); n > 0 {
		b := s.spares[n-1]
		s.spares = s.spares[:n-1]
		return b
	}
	return make([]*iocb, 0, cap(s.queue))
}

// submit queues the iocbs of the given slots and makes sure they are
// submitted. A request the kernel rejects completes with the error as its
// result, so every queued slot completes exactly once.
func (c *Context) submit(slots ...int32) {
	s := &c.submitter
	s.mu.Lock()
	for _, idx := range slots {
		c.slots[idx].armed.Store(true)
		s.queue = append(s.queue, &c.slots[idx].cb)
	}
	if s.active >= maxSubmitters || (s.active > 0 && time.Since(monotonicBase)-s.started < stallAfter) {
		s.mu.Unlock()
		return
	}
	s.active++
	for len(s.queue) > 0 {
		batch := append(s.batch(), s.queue...)
		clear(s.queue)
		s.queue = s.queue[:0]
		s.started = time.Since(monotonicBase)
		s.mu.Unlock()

		c.submitBatch(batch)
		clear(batch)

		s.mu.Lock()
		s.spares = append(s.spares, batch[:0])
	}
	s.active--
	s.mu.Unlock()
}

// submitBatch hands batch to the kernel. io_submit stops at the first iocb
// it rejects, returning how many went in before it (the error itself only
// when that count is 0), so the loop resubmits from there and fails exactly
// the rejected iocb.
func (c *Context) submitBatch(batch []*iocb) {
	busy := 0
	for len(batch) > 0 {
		n, err := ioSubmit(c.id, len(batch), &batch[0])
		switch {
		case err == nil && n > 0:
			batch = batch[n:]
			busy = 0
		case err == syscall.EINTR:
		case (err == syscall.EAGAIN || err == nil) && busy < 1000:
			// The ring has no room for more events (or the kernel took
			// none): room comes back as completions are reaped, which
			// happens concurrently.
			busy++
			if busy < 10 {
				runtime.Gosched()
			} else {
				time.Sleep(50 * time.Microsecond)
			}
		default:
			// A rejected iocb, or a ring that stayed full for long.
			errno, _ := err.(syscall.Errno)
			if errno == 0 {
				errno = syscall.EAGAIN
			}
			c.complete(int32(batch[0].Data), -int64(errno))
			batch = batch[1:]
		}
	}
}
