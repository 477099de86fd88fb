package aio

import (
	"fmt"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// A reaper collects completions. One goroutine per Context waits for the
// eventfd through the runtime poller, so it holds no OS thread while nothing
// completes, and reaps without blocking: from the user-space ring, or with a
// zero-timeout io_getevents. Other goroutines (the batch Wait) may reap too;
// mu makes sure only one does at a time.
//
// The eventfd is never read. The poller registers it edge-triggered, and
// every completion's signal is an edge, whatever the counter holds; a signal
// that comes between a reap and the goroutine parking leaves the poller's
// readiness set, so the goroutine does not park and reaps again. Not reading
// saves two system calls per wake-up (the read, and the one that finds the
// counter empty). The counter would need 2^64 completions to saturate.
type reaper struct {
	mu     sync.Mutex
	events []ioEvent // used under mu
	// destroyed is set, under mu, before io_destroy unmaps the ring: from
	// then on there is nothing to reap and no memory to read it from.
	destroyed bool
	stopped   chan struct{}
}

func (r *reaper) init(maxEvents int) {
	r.events = make([]ioEvent, min(maxEvents, 256))
	r.stopped = make(chan struct{})
}

// reapLoop runs until the eventfd is closed, which Close does only once
// every request has completed.
func (c *Context) reapLoop() {
	defer close(c.reaper.stopped)
	// The callback reports false after every reap, so Read parks the
	// goroutine until the next edge and only returns once the eventfd
	// is closed.
	c.eventfdConn.Read(func(uintptr) bool {
		c.reap()
		return false
	})
}

// reap delivers every completion available now and reports how many.
func (c *Context) reap() int {
	c.reaper.mu.Lock()
	defer c.reaper.mu.Unlock()
	return c.reapLocked()
}

// tryReap is reap unless another goroutine is reaping, which then delivers
// what is there.
func (c *Context) tryReap() int {
	if !c.reaper.mu.TryLock() {
		return 0
	}
	defer c.reaper.mu.Unlock()
	return c.reapLocked()
}

func (c *Context) reapLocked() int {
	r := &c.reaper
	if r.destroyed {
		return 0
	}
	total := 0
	for {
		var n int
		if c.ring != nil {
			n = c.ring.read(r.events)
		} else {
			n = c.getevents(r.events)
		}
		for i := range r.events[:n] {
			ev := &r.events[i]
			c.complete(int32(ev.Data), ev.Res)
		}
		total += n
		if n < len(r.events) {
			return total
		}
	}
}

// Zero timeouts, for reaping without blocking.
var (
	zeroTimeout   unix.Timespec
	zeroTimeout64 kernelTimespec
)

// getevents reaps with a zero timeout, which never blocks.
func (c *Context) getevents(events []ioEvent) int {
	n, err := c.geteventsNow(events)
	if err != nil {
		// NewContext found this system call working; only a broken
		// context makes it fail now, and the requests in flight would
		// then never complete.
		panic("aio: reaping completions: " + err.Error())
	}
	return n
}

// geteventsNow reaps with the system call chosen for c and a zero timeout.
// A signal can still interrupt it (the Go runtime preempts goroutines with
// one), and then it tries again.
func (c *Context) geteventsNow(events []ioEvent) (int, error) {
	for {
		var n int
		var err error
		if c.pgetevents {
			n, err = ioPgeteventsNow(c.id, 0, len(events), &events[0], &zeroTimeout64, nil)
		} else {
			n, err = ioGeteventsNow(c.id, 0, len(events), &events[0], &zeroTimeout)
		}
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// chooseGetevents finds the system call that reaps completions here, for a
// Context that does not read its ring: io_getevents, or io_pgetevents with
// a 64-bit timeout, the only one a 32-bit kernel built without
// CONFIG_COMPAT_32BIT_TIME has. A seccomp profile may forbid either. Nothing
// is in flight yet, so trying them reaps nothing.
func (c *Context) chooseGetevents() error {
	var ev [1]ioEvent
	_, err := c.geteventsNow(ev[:])
	if err == nil {
		return nil
	}
	c.pgetevents = true
	_, err64 := c.geteventsNow(ev[:])
	if err64 == nil {
		return nil
	}
	return fmt.Errorf("aio: no system call to reap completions with: io_getevents: %w; io_pgetevents: %w", err, err64)
}

// complete delivers result res of the request in slot idx: a call's waiter
// is woken; a batch request goes to the completion queue and its slot is
// freed. The slot is freed last: Close waits for every slot, and then for
// Wait to have been given every request, so a request must be queued for
// Wait before its slot comes back.
func (c *Context) complete(idx int32, res int64) {
	s := &c.slots[idx]
	if !s.armed.Swap(false) {
		panic("aio: completion for a request that is not in flight")
	}
	if req := s.req; req != nil {
		file := req.File
		req.finish(res)
		c.batch.push(req)
		file.end()
		c.release(idx)
		return
	}
	s.res = res
	s.done <- struct{}{}
}
