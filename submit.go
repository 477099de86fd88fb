package aio

import (
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"
)

// A submitQueue coalesces the requests of one File into shared io_submit
// calls. A caller queues its slot; if no one is submitting, it becomes a
// submitter and submits everything queued, again and again, until the queue
// is empty. Requests that arrive while an io_submit is under way ride on the
// next one.
//
// io_submit does not always return at once: on buffered files, FIFOs and
// sockets, for writes that allocate, or when a device's queue is full, it
// does the I/O itself, possibly for ever (a read on a FIFO without a
// writer). Three rules keep such a call from holding back other requests:
//
//   - Each File has its own queue, so a file or device whose io_submit
//     blocks delays only its own requests. A File without O_DIRECT submits
//     its requests one per io_submit (see takeBatch).
//   - A caller queues only behind a submitter whose current io_submit began
//     less than stallAfter ago; behind older ones it submits itself, up to
//     maxSubmitters io_submit calls per File at once (each may hold an OS
//     thread in the kernel, and the promise is a few threads, not one per
//     request). The start of every running io_submit is tracked on its own.
//   - A caller that queued behind a fresh io_submit that then blocks would be
//     stranded, with nobody left to notice. So queueing arms a timer: if the
//     queue has not been taken rescueAfter later and no io_submit is fresh,
//     the timer's goroutine submits it.
//
// A queued request has not reached the kernel and can still be withdrawn:
// by its caller when its context is done, and by File.Close and
// Context.Close, which fail it with ErrClosed. Once a submitter has taken it,
// it is submitted.
type submitQueue struct {
	mu     sync.Mutex
	queue  []queued  // requests waiting for a submitter, in order
	spares [][]*iocb // batches not in use; submitting does not allocate
	// started holds, for each submitter, when its current io_submit began
	// (since monotonicBase); 0 marks an unused entry.
	started [maxSubmitters]time.Duration
	running int
	closed  bool // Close withdrew the queue; later requests fail at once

	rescue      *time.Timer // created on first use
	rescueArmed bool
}

const (
	// stallAfter is how long an io_submit may run before callers stop
	// queueing behind it. Submitting a batch of requests that the kernel
	// queues without blocking takes a few microseconds per request.
	stallAfter = 50 * time.Microsecond
	// maxSubmitters bounds the io_submit calls running at once per File.
	maxSubmitters = 2
	// maxBatch bounds the requests of one io_submit. For more than two
	// requests the kernel holds the block requests back (a plug) until
	// io_submit has prepared them all, and only then hands them to the
	// device; in smaller batches the device starts on the first requests
	// while the next are still being prepared. Measured with 4 KiB direct
	// reads at depth 32, batches of at most 8 gave 8-10% more IOPS than
	// whole batches, on a loop device and on a virtio disk, at about 5% more
	// CPU per request; batches of 1 cost more CPU for no more IOPS.
	maxBatch = 8
	// rescueAfter is how long a queued request may wait before the rescue
	// timer checks on it. It bounds the wait behind a blocked io_submit; it
	// is much longer than stallAfter so that the timer fires rarely under
	// load, when the queue is taken every few microseconds.
	rescueAfter = time.Millisecond
)

// The results of requests withdrawn before they reached the kernel. The
// kernel's results are byte counts or errno values above -4096, so neither
// can be confused with one.
const (
	resClosed    = -1 << 62      // withdrawn by File.Close or Context.Close
	resWithdrawn = resClosed + 1 // withdrawn by its caller, whose context is done
)

// monotonicBase anchors the submitters' clock.
var monotonicBase = time.Now()

func now() time.Duration { return time.Since(monotonicBase) }

// A queued request: its slot, and whether it is a batch request, for which
// no caller waits (read when it is queued, since once submitted its slot
// may be released at any time).
type queued struct {
	idx   int32
	batch bool
}

// submit queues the slots, prepared for requests on f, and makes sure they
// are submitted. Every slot it is given completes exactly once: with the
// kernel's result, with the error io_submit gave it, or with resClosed if f
// or its Context is closed before a submitter takes it. batch says whether
// they are batch requests.
func (f *File) submit(batch bool, slots ...int32) {
	c := f.ctx
	q := &f.queue
	q.mu.Lock()
	for _, idx := range slots {
		c.arm(idx)
	}
	if q.closed {
		q.mu.Unlock()
		for _, idx := range slots {
			c.complete(idx, resClosed)
		}
		return
	}
	queued0 := len(q.queue)
	for _, idx := range slots {
		if f.bypass(idx) {
			// Straight to a retrier (nowait.go). The channel has room
			// for every slot, so the send does not block.
			c.retried.Add(1)
			c.retries <- idx
			continue
		}
		q.queue = append(q.queue, queued{idx, batch})
	}
	if len(q.queue) == queued0 {
		q.mu.Unlock()
		return
	}
	if q.running > 0 && (q.running == maxSubmitters || q.fresh()) {
		q.armRescue(f)
		q.mu.Unlock()
		return
	}
	f.runSubmitter()
}

// fresh reports whether an io_submit that began less than stallAfter ago is
// running: its submitter will take the queue when it returns.
func (q *submitQueue) fresh() bool {
	t := now()
	for _, s := range q.started {
		if s != 0 && t-s < stallAfter {
			return true
		}
	}
	return false
}

// runSubmitter submits the queue until it is empty. It is called with q.mu
// held and returns with it released.
func (f *File) runSubmitter() {
	q := &f.queue
	me := slices.Index(q.started[:], 0)
	q.running++
	for len(q.queue) > 0 {
		batch, unowned := f.takeBatch()
		q.started[me] = max(now(), 1)
		q.mu.Unlock()

		f.ctx.submitBatch(batch, unowned)
		clear(batch)

		q.mu.Lock()
		q.spares = append(q.spares, batch[:0])
	}
	q.started[me] = 0
	q.running--
	q.mu.Unlock()
}

// takeBatch moves requests from the queue into a batch of iocb pointers for
// io_submit: up to maxBatch of them for a File with O_DIRECT, the first only
// for one without. Without O_DIRECT the kernel does the I/O inside
// io_submit, one request after another, so a batch would save nothing, and a
// request behind one that blocks (a read on an empty FIFO) could no longer be
// withdrawn. It also reports whether the batch holds a batch request, which
// no caller waits for.
func (f *File) takeBatch() (batch []*iocb, unowned bool) {
	q := &f.queue
	if n := len(q.spares); n > 0 {
		batch = q.spares[n-1]
		q.spares = q.spares[:n-1]
	}
	take := min(len(q.queue), maxBatch)
	if !f.direct {
		take = 1
	}
	for _, r := range q.queue[:take] {
		batch = append(batch, &f.ctx.slots[r.idx].cb)
		unowned = unowned || r.batch
	}
	q.queue = append(q.queue[:0], q.queue[take:]...)
	return batch, unowned
}

// armRescue makes sure the rescue timer will look at the queue. Called with
// q.mu held.
func (q *submitQueue) armRescue(f *File) {
	if q.rescueArmed {
		return
	}
	q.rescueArmed = true
	if q.rescue == nil {
		q.rescue = time.AfterFunc(rescueAfter, f.rescueQueue)
	} else {
		q.rescue.Reset(rescueAfter)
	}
}

// rescueQueue runs on the rescue timer's goroutine, which may block: if
// requests are still queued and no running io_submit will take them soon, it
// submits them itself.
func (f *File) rescueQueue() {
	q := &f.queue
	q.mu.Lock()
	q.rescueArmed = false
	switch {
	case len(q.queue) == 0 || q.closed:
		q.mu.Unlock()
	case q.running == maxSubmitters:
		// One of them takes the queue when it returns; another thread in
		// io_submit is what the bound forbids.
		q.mu.Unlock()
	case q.running > 0 && q.fresh():
		q.armRescue(f)
		q.mu.Unlock()
	default:
		f.runSubmitter()
	}
}

// withdraw takes slot idx out of the queue if no submitter has taken it yet,
// and reports whether it did. A withdrawn request never reaches the kernel.
func (f *File) withdraw(idx int32) bool {
	q := &f.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.IndexFunc(q.queue, func(r queued) bool { return r.idx == idx })
	if i < 0 {
		return false
	}
	q.queue = slices.Delete(q.queue, i, i+1)
	f.ctx.disarm(idx)
	return true
}

// closeQueue fails every queued request with resClosed, and every request
// submitted to f from now on.
func (f *File) closeQueue() {
	q := &f.queue
	q.mu.Lock()
	q.closed = true
	withdrawn := slices.Clone(q.queue)
	q.queue = q.queue[:0]
	q.mu.Unlock()
	for _, r := range withdrawn {
		f.ctx.complete(r.idx, resClosed)
	}
}

// submitBatch hands batch to the kernel. io_submit stops at the first iocb
// it rejects, returning how many went in before it (the error itself only
// when that count is 0), so the loop resubmits from there and fails exactly
// the rejected iocb. What goes in is counted for the reaping from before
// each io_submit (see reap.go); unowned says that nobody may be waiting for
// it.
func (c *Context) submitBatch(batch []*iocb, unowned bool) {
	busy := 0
	for len(batch) > 0 {
		c.submitting(len(batch), unowned)
		n, err := ioSubmit(c.id, len(batch), &batch[0])
		if err != nil || n < 0 {
			n = 0
		}
		if refused := len(batch) - n; refused > 0 {
			c.reaper.inKernel.Add(-int64(refused))
		}
		switch {
		case n > 0:
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
