package aio

import (
	"runtime"
	"sync"
	"syscall"
	"time"
)

// A submitter coalesces the requests of concurrent callers into shared
// io_submit calls. A caller queues its iocb; if no one is submitting, it
// becomes the submitter and submits everything queued, again and again,
// until the queue is empty. Requests that arrive while an io_submit is under
// way ride on the next one. No allocation: the two queues swap, and each has
// room for every slot.
type submitter struct {
	mu         sync.Mutex
	queue      []*iocb
	spare      []*iocb
	submitting bool
}

func (s *submitter) init(n int) {
	s.queue = make([]*iocb, 0, n)
	s.spare = make([]*iocb, 0, n)
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
	if s.submitting {
		s.mu.Unlock()
		return
	}
	s.submitting = true
	for len(s.queue) > 0 {
		batch := s.queue
		s.queue = s.spare[:0]
		s.mu.Unlock()

		c.submitBatch(batch)
		clear(batch)

		s.mu.Lock()
		s.spare = batch[:0]
	}
	s.submitting = false
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
