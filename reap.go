package aio

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Reaping: how completions are read and reach the goroutines that wait.
//
// Completions are read, from the user-space ring or with io_getevents, by
// one goroutine at a time: the leader, which holds reaper.mu. A request is
// of one of two kinds, chosen when it is prepared:
//
//   - polled: a call submitted while pollDepth or more requests are in the
//     kernel. It signals the eventfd, whose goroutine on the runtime poller
//     leads briefly to reap it (poller.go); its waiter just parks.
//   - blocking: every other request (calls at low depth, batch requests).
//     Someone must wait for it in the kernel. Armed ones are counted in
//     blocking (slot.go).
//
// The goroutines waiting for blocking requests, calls (File.await) and
// batch Waits, take turns at leading (lead): the leader reaps what is there
// and delivers it, a call's result to the goroutine that waits for it, a
// batch request to the completion queue; while goroutines it woke have not
// taken their results yet (woken), it yields, a few times at most, so that
// they run, and submit more, first (its thread, blocked in the kernel, would
// keep their P from them); if what it waits for has still not come, it
// blocks in io_getevents itself, as a pread blocks in the kernel, one
// completion at a time. A waiter that cannot lead parks,
// counted in parked, until it is given what it waits for or asked to take
// the lead (a token in nudge). So at most one OS thread per Context waits in
// the kernel, and at low depth a completion reaches its waiter with no
// goroutine hand-off at all.
//
// A leader blocks only while the kernel holds requests and some armed
// request is blocking (mustBlock); their completions wake it. Three
// orderings keep a parked waiter from being left without a leader (each step
// is a sequentially consistent atomic, so of any two the later sees the
// earlier):
//
//   - a leader that steps down clears leading, unlocks, then looks at
//     blocking and parked, and nudges one waiter if both are nonzero;
//   - a waiter about to park increments parked (its own request already
//     armed), then looks at inKernel and blocking and tries to lead again;
//   - a submitter adds to inKernel before io_submit, then, if nobody leads,
//     looks at blocking and parked.
//
// inKernel counts a request from before io_submit, because the kernel may
// complete, and a leader reap, the first requests of a batch while io_submit
// is still blocked on the later ones (a full device queue): counted only
// after io_submit returned, the count would sink below zero meanwhile and
// leave waiters without a leader until then. The price is a request that
// io_submit then refuses: it was counted, but no completion will come for
// it. So no leader waits in the kernel longer than blockLimit at a time.
//
// The poller's goroutine, finding the lead taken, sets pollPending before it
// tries; a leader looks at it after it unlocks, so the signal is not lost.
//
// Blocking requests that nobody waits for yet (batch requests before Wait)
// are reaped by the keeper: when they are in the kernel but nobody leads or
// parks, a timer is armed, and if it fires with the lead still free and
// nobody has reaped since it last looked, its goroutine leads until nothing
// needs a leader or a waiter parks; if others have reaped, it looks again
// later, twice as late each time up to keepAfterMax. That bounds how long
// their slots, and their Files' Close, wait for Wait: to about twice
// keepAfterMax.
type reaper struct {
	mu        sync.Mutex  // held by the leader
	leading   atomic.Bool // set while mu is held
	events    []ioEvent   // used by the leader
	timeout   unix.Timespec
	timeout64 kernelTimespec
	// destroyed is set, under mu, before io_destroy unmaps the ring: from
	// then on there is nothing to reap and no memory to read it from.
	destroyed bool

	inKernel atomic.Int64  // requests handed to io_submit and not yet reaped or refused
	blocking atomic.Int64  // armed requests that are not polled (slot.go)
	parked   atomic.Int32  // waiters parked until given a result or the lead
	woken    atomic.Int32  // calls given their result that their goroutines have not taken yet
	nudge    chan struct{} // a token asks a parked waiter to take the lead

	pollPending atomic.Bool   // the poller saw a signal while someone led
	pollStopped chan struct{} // closed when pollLoop returns

	keeper      *time.Timer
	keeperArmed atomic.Bool
	keepDelay   atomic.Int64  // the keeper's next delay, keepAfter to keepAfterMax
	reaps       atomic.Uint64 // reaps that delivered something: the keeper's sign of progress
	keepSeen    atomic.Uint64 // reaps when the keeper last looked
}

const (
	// keepAfter is how long requests may stay in the kernel with nobody
	// reaping before the keeper takes the lead. While others keep reaping,
	// the keeper is not needed, and it looks less often, up to every
	// keepAfterMax: each look costs a timer and a goroutine, and at depth 1
	// batch requests arm it after every Submit.
	keepAfter    = time.Millisecond
	keepAfterMax = 16 * time.Millisecond
	// leadSlice bounds a leader's wait in the kernel when its context can
	// be cancelled: the kernel cannot be asked to end io_getevents early,
	// so the leader looks at its context this often.
	leadSlice = 5 * time.Millisecond
	// blockLimit bounds every wait in the kernel: inKernel may count a
	// request that io_submit is about to refuse, and no completion would
	// end the wait for it.
	blockLimit = 100 * time.Millisecond
	// maxYields bounds how often a leader yields to the goroutines it woke
	// before it waits in the kernel; one yield usually lets them all run.
	maxYields = 4
)

// An owner says whose completions a leader waits for, so that a reap can
// count the goroutines it wakes: a call's (its slot) or a batch Wait's (its
// Queue's requests). The keeper and the poller own none.
type owner struct {
	slot  int32            // a call's slot, or -1
	queue *completionQueue // a Wait's Queue, or nil
}

var ownerNone = owner{slot: -1}

func callOwner(idx int32) owner           { return owner{slot: idx} }
func queueOwner(q *completionQueue) owner { return owner{slot: -1, queue: q} }
func (o owner) owns(idx int32, q *completionQueue) bool {
	return idx == o.slot || q != nil && q == o.queue
}

func (c *Context) initReaper(maxEvents int) {
	r := &c.reaper
	r.events = make([]ioEvent, min(maxEvents, 256))
	r.nudge = make(chan struct{}, 1)
	r.pollStopped = make(chan struct{})
	r.keeper = time.AfterFunc(time.Hour, c.keep)
	r.keeper.Stop()
	r.keepDelay.Store(int64(keepAfter))
}

// tryLead takes the lead if nobody has it.
func (c *Context) tryLead() bool {
	r := &c.reaper
	if !r.mu.TryLock() {
		return false
	}
	r.leading.Store(true)
	return true
}

// stepDown gives up the lead. A parked waiter is asked to take it; if none
// is parked but requests are still in the kernel, the keeper is armed.
func (c *Context) stepDown() {
	r := &c.reaper
	r.leading.Store(false)
	r.mu.Unlock()
	if r.blocking.Load() > 0 {
		if r.parked.Load() > 0 {
			c.nudgeOne()
		} else if r.inKernel.Load() > 0 {
			c.armKeeper()
		}
	}
	if r.pollPending.Load() && c.tryLead() {
		r.pollPending.Store(false)
		c.reapLocked(ownerNone)
		c.stepDown()
	}
}

// mustBlock reports whether a leader with nothing to reap should wait in the
// kernel: requests are there, and not all of them signal the poller.
func (c *Context) mustBlock() bool {
	return c.reaper.inKernel.Load() > 0 && c.reaper.blocking.Load() > 0
}

// enterPark counts the caller as parked, unless requests are in the kernel
// and it can take the lead after all, which it reports.
func (c *Context) enterPark() (leads bool) {
	r := &c.reaper
	r.parked.Add(1)
	if c.mustBlock() && c.tryLead() {
		r.parked.Add(-1)
		return true
	}
	return false
}

func (c *Context) leavePark() { c.reaper.parked.Add(-1) }

func (c *Context) nudgeOne() {
	select {
	case c.reaper.nudge <- struct{}{}:
	default:
	}
}

// submitting records that n requests are going into io_submit, after which
// the kernel may complete them at any time. If nobody leads, a parked waiter
// is asked to; if nobody is parked either and the submitter will not wait
// for them itself (unowned), the keeper is armed.
func (c *Context) submitting(n int, unowned bool) {
	r := &c.reaper
	r.inKernel.Add(int64(n))
	if r.leading.Load() {
		return
	}
	if r.blocking.Load() <= 0 {
		return
	}
	if r.parked.Load() > 0 {
		c.nudgeOne()
	} else if unowned {
		c.armKeeper()
	}
}

func (c *Context) armKeeper() {
	r := &c.reaper
	if !r.keeperArmed.Swap(true) {
		r.keeper.Reset(time.Duration(r.keepDelay.Load()))
	}
}

// keep runs on the keeper's timer goroutine: if requests are in the kernel
// and nobody leads, it leads until nothing is left that needs a leader or a
// waiter parks, who then takes over.
func (c *Context) keep() {
	r := &c.reaper
	r.keeperArmed.Store(false)
	if r.inKernel.Load() <= 0 {
		return
	}
	if reaps := r.reaps.Load(); r.keepSeen.Swap(reaps) != reaps || !c.tryLead() {
		// Someone has reaped since the last look, or leads now: look
		// again later, and less often.
		r.keepDelay.Store(min(2*r.keepDelay.Load(), int64(keepAfterMax)))
		c.armKeeper()
		return
	}
	r.keepDelay.Store(int64(keepAfter))
	c.lead(ownerNone, &ctxWait{}, func() bool { return r.parked.Load() > 0 }, nil)
}

// lead reaps as the leader until ready reports true, and then reports true;
// or until no request in the kernel needs a leader to wait for it or stop
// (if not nil) reports true, and then reports false. owner says whose
// completions are the leader's own.
// Before it waits in the kernel, the leader yields, up to maxYields times,
// while goroutines it woke have not run yet (woken): a thread blocked in a
// system call keeps its P, and the goroutines queued on that P would wait
// for the runtime to take it back, which may be milliseconds, or for another
// P to steal them; with GOMAXPROCS=1 there is none. Each wait in the kernel
// lasts at most limit.timeout(). lead steps down before it returns.
func (c *Context) lead(owner owner, limit *ctxWait, ready, stop func() bool) bool {
	r := &c.reaper
	woke, yields := 0, 0
	for {
		woke += c.reapLocked(owner)
		if ready() {
			c.stepDown()
			return true
		}
		blocking := c.mustBlock()
		if blocking && (woke > 0 || r.woken.Load() > 0) && yields < maxYields {
			woke = 0
			yields++
			runtime.Gosched()
			continue
		}
		if !blocking || stop != nil && stop() {
			c.stepDown()
			return false
		}
		woke = c.reapWait(owner, limit.timeout())
		yields = 0
	}
}

// reapLocked delivers every completion available now, without blocking,
// and returns how many belong to others than owner: the goroutines it may
// have woken. The caller leads.
func (c *Context) reapLocked(owner owner) int {
	r := &c.reaper
	if r.destroyed {
		return 0
	}
	others := 0
	for {
		var n int
		if c.ring != nil {
			n = c.ring.read(r.events)
		} else {
			n = c.getevents(r.events)
		}
		others += c.deliver(r.events[:n], owner)
		if n < len(r.events) {
			return others
		}
	}
}

// reapWait blocks in the kernel until a completion comes or timeout has
// passed, delivers what came, and returns how many belong
// to others than owner. The caller leads, and requests are in the kernel.
// It waits for one completion, not more: a waiter that parks meanwhile must
// not wait until the leader has all it needs.
func (c *Context) reapWait(owner owner, timeout time.Duration) int {
	r := &c.reaper
	n, err := c.geteventsWait(r.events, timeout, &r.timeout, &r.timeout64)
	if err == syscall.EINTR {
		return 0
	}
	if err != nil {
		// NewContext found this system call working; only a broken
		// context makes it fail now, and the requests in flight would
		// then never complete.
		panic("aio: waiting for completions: " + err.Error())
	}
	return c.deliver(r.events[:n], owner)
}

// deliver completes the requests of events and returns how many belong to
// others than owner.
func (c *Context) deliver(events []ioEvent, owner owner) int {
	if len(events) == 0 {
		return 0
	}
	c.reaper.inKernel.Add(-int64(len(events)))
	c.reaper.reaps.Add(1)
	others := 0
	for i := range events {
		idx := int32(events[i].Data)
		if q := c.complete(idx, events[i].Res); !owner.owns(idx, q) {
			others++
		}
	}
	return others
}

// A ctxWait is what a leader needs of its caller's context: the kernel
// cannot be asked to end io_getevents early, so a leader whose context can
// be cancelled waits at most leadSlice at a time and looks at it in between.
type ctxWait struct {
	done        <-chan struct{} // nil when the context cannot be cancelled
	deadline    time.Time
	hasDeadline bool
}

func newCtxWait(ctx context.Context) ctxWait {
	w := ctxWait{done: ctx.Done()}
	if w.done != nil {
		w.deadline, w.hasDeadline = ctx.Deadline()
	}
	return w
}

// timeout returns how long the leader may wait in the kernel: blockLimit
// when the context cannot be cancelled, else at most leadSlice, and no
// longer than until the deadline.
func (w *ctxWait) timeout() time.Duration {
	if w.done == nil {
		return blockLimit
	}
	d := leadSlice
	if w.hasDeadline {
		d = max(min(d, time.Until(w.deadline)), 0)
	}
	return d
}

func (w *ctxWait) isDone() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

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

// complete delivers result res of the request in slot idx: a call's waiter
// is woken; a batch request goes to its Queue and its slot is freed. The
// slot is freed last: Close waits for every slot, and then for Wait to have
// been given every request, so a request must be queued for Wait before its
// slot comes back. It returns the Queue's completions of a batch request,
// and nil for a call.
func (c *Context) complete(idx int32, res int64) *completionQueue {
	s := &c.slots[idx]
	if s.noWait && c.retryInstead(idx, res) {
		return nil
	}
	if !c.disarm(idx) {
		panic("aio: completion for a request that is not in flight")
	}
	if s.poll {
		res = c.polls.remove(idx, res)
	}
	if req := s.req; req != nil {
		file, q := req.File, req.queue
		req.finish(res)
		q.push(req)
		file.end()
		c.release(idx)
		return q
	}
	s.res = res
	c.reaper.woken.Add(1)
	s.done <- struct{}{}
	return nil
}
