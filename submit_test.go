package aio

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The tests here pretend that submitters are inside io_submit by setting a
// File's submitQueue state by hand, which makes them independent of how fast
// the machine is. A pretended submitter never returns by itself; a test that
// leaves requests queued behind it stands in for it (standIn) so that every
// slot comes back before the Context closes.

// newBufferedFile returns a File without O_DIRECT on a new file, and c.
func newBufferedFile(t *testing.T) (*Context, *File) {
	t.Helper()
	c, err := NewContext(4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	osFile, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.NewFile(osFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return c, f
}

// pretend makes the File's queue look as if submitters had begun an
// io_submit at each of the given times (relative to now) and not returned.
func pretend(f *File, startedAgo ...time.Duration) {
	q := &f.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	q.running = len(startedAgo)
	for i, ago := range startedAgo {
		q.started[i] = now() - ago
	}
}

// standIn ends the pretence: the pretended submitters return, and one of
// them takes the queue, as a returning submitter does.
func standIn(f *File) {
	q := &f.queue
	q.mu.Lock()
	q.running = 0
	q.started = [maxSubmitters]time.Duration{}
	if len(q.queue) == 0 {
		q.mu.Unlock()
		return
	}
	f.runSubmitter()
}

func queueLen(f *File) int {
	f.queue.mu.Lock()
	defer f.queue.mu.Unlock()
	return len(f.queue.queue)
}

// writeSoon writes to f in a goroutine and returns its result's channel.
func writeSoon(ctx context.Context, f *File, p string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := f.WriteAtContext(ctx, []byte(p), 0, 0)
		done <- err
	}()
	return done
}

func waitQueued(t *testing.T, f *File, n int) {
	t.Helper()
	eventually(t, func() int { return queueLen(f) }, n, "requests queued")
}

// TestSubmitDoesNotQueueBehindAStall: a submitter has been inside io_submit
// for a millisecond (one doing buffered I/O, say). A new request must not
// wait for it but be submitted by its own caller.
func TestSubmitDoesNotQueueBehindAStall(t *testing.T) {
	_, f := newBufferedFile(t)
	pretend(f, time.Millisecond)
	if err := within(t, writeSoon(context.Background(), f, "not stuck"), "a request behind a stalled io_submit"); err != nil {
		t.Fatal(err)
	}
}

// TestStallIsTrackedPerSubmitter is the case where one submitter is stalled
// and a second, quick one has just begun and ended an io_submit: a third
// request must not take the quick one's recent start for the stalled one's
// and queue behind it.
func TestStallIsTrackedPerSubmitter(t *testing.T) {
	_, f := newBufferedFile(t)
	pretend(f, time.Second)
	if err := within(t, writeSoon(context.Background(), f, "quick"), "the quick request"); err != nil {
		t.Fatal(err)
	}
	if err := within(t, writeSoon(context.Background(), f, "third"), "the third request"); err != nil {
		t.Fatal(err)
	}
	if n := queueLen(f); n != 0 {
		t.Fatalf("%d requests left queued behind the stalled io_submit", n)
	}
}

// TestQueueBehindAFreshSubmitter checks the coalescing itself: behind an
// io_submit that has only just begun, a request waits to ride on the next.
func TestQueueBehindAFreshSubmitter(t *testing.T) {
	_, f := newBufferedFile(t)
	pretend(f, -time.Hour) // begun "in the future": fresh for the whole test
	done := writeSoon(context.Background(), f, "queued")
	waitQueued(t, f, 1)
	standIn(f)
	if err := within(t, done, "the queued request"); err != nil {
		t.Fatal(err)
	}
}

// TestRescueOfAStrandedRequest: a request queued behind an io_submit that
// was fresh then, but has blocked since, is submitted by the rescue timer
// although no other caller comes along.
func TestRescueOfAStrandedRequest(t *testing.T) {
	_, f := newBufferedFile(t)
	pretend(f, 0) // fresh now, stalled in stallAfter
	if err := within(t, writeSoon(context.Background(), f, "rescued"), "a request stranded behind a blocked io_submit"); err != nil {
		t.Fatal(err)
	}
	standIn(f)
}

// TestSubmittersAreBounded: with maxSubmitters submitters all stalled, a new
// request waits in the queue rather than taking another OS thread into
// io_submit, and the rescue timer does not add one either.
func TestSubmittersAreBounded(t *testing.T) {
	_, f := newBufferedFile(t)
	stalled := make([]time.Duration, maxSubmitters)
	for i := range stalled {
		stalled[i] = time.Second
	}
	pretend(f, stalled...)
	done := writeSoon(context.Background(), f, "bounded")
	waitQueued(t, f, 1)
	time.Sleep(5 * rescueAfter)
	if n := queueLen(f); n != 1 {
		t.Fatalf("with %d stalled submitters, %d requests queued; want 1", maxSubmitters, n)
	}
	standIn(f)
	if err := within(t, done, "the bounded request"); err != nil {
		t.Fatal(err)
	}
}

// TestQueuedRequestHonoursContext: a request still queued when its context
// ends is withdrawn at once and never reaches the kernel.
func TestQueuedRequestHonoursContext(t *testing.T) {
	c, f := newBufferedFile(t)
	pretend(f, -time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := within(t, writeSoon(ctx, f, "withdrawn"), "a queued request whose deadline passed")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued request returned %v, want context.DeadlineExceeded", err)
	}
	if n := queueLen(f); n != 0 {
		t.Fatalf("%d requests still queued after withdrawal", n)
	}
	if n := len(c.free); n != c.maxEvents {
		t.Fatalf("%d of %d slots free after withdrawal", n, c.maxEvents)
	}
	st, err := f.file.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 0 {
		t.Fatalf("the withdrawn write reached the file (size %d)", st.Size())
	}
}

// TestCloseWithdrawsQueuedRequests: Context.Close fails requests that have
// not been submitted with ErrClosed, at once, and File.Close does the same
// for the File's.
func TestCloseWithdrawsQueuedRequests(t *testing.T) {
	for _, closer := range []string{"Context", "File"} {
		t.Run(closer, func(t *testing.T) {
			c, f := newBufferedFile(t)
			pretend(f, -time.Hour)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done := writeSoon(ctx, f, "never submitted")
			waitQueued(t, f, 1)
			if closer == "Context" {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			} else if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			err := within(t, done, "a queued request after Close")
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("queued request returned %v, want ErrClosed", err)
			}
			var pe *os.PathError
			if !errors.As(err, &pe) || pe.Path != f.name {
				t.Fatalf("error %v does not name the file", err)
			}
		})
	}
}

// TestBatchRequestQueuedBeforeSlotFreed: Close returns only when every slot
// is back, and Wait reports ErrClosed once Close has finished; so a batch
// request must be in the completion queue before its slot is freed, or a
// Wait could report ErrClosed while the request is yet to arrive. The test
// holds the completion queue's lock, so that delivering the request blocks,
// and checks that the slot stays taken meanwhile.
func TestBatchRequestQueuedBeforeSlotFreed(t *testing.T) {
	c, f := newBufferedFile(t)
	pretend(f, -time.Hour) // the request stays queued until withdrawn
	req := &Request{File: f, Op: OpWrite, Buf: []byte("x")}
	if _, err := c.Submit(req); err != nil {
		t.Fatal(err)
	}
	waitQueued(t, f, 1)

	c.queue.done.mu.Lock()
	withdrawn := make(chan struct{})
	go func() {
		f.closeQueue() // delivers the request with ErrClosed
		close(withdrawn)
	}()
	time.Sleep(50 * time.Millisecond)
	free := len(c.free)
	c.queue.done.mu.Unlock()
	<-withdrawn
	if free != c.maxEvents-1 {
		t.Fatalf("the request's slot was freed before the request was queued for Wait")
	}

	done := make([]*Request, 1)
	n, err := c.Wait(context.Background(), done, 1)
	if n != 1 || err != nil || done[0] != req || !errors.Is(req.Err, ErrClosed) {
		t.Fatalf("Wait = %d, %v (request error %v); want the withdrawn request with ErrClosed", n, err, req.Err)
	}
}

// TestBatchesAreBounded: a long queue of a File with O_DIRECT goes to the
// kernel in io_submit calls of at most maxBatch requests, in order; one
// without O_DIRECT, one request at a time.
func TestBatchesAreBounded(t *testing.T) {
	c, f := newBufferedFile(t)
	const total = 2*maxBatch + 3
	for _, direct := range []bool{true, false} {
		f.direct = direct
		limit := maxBatch
		if !direct {
			limit = 1
		}
		q := &f.queue
		q.mu.Lock()
		for i := range total {
			q.queue = append(q.queue, queued{idx: int32(i % c.maxEvents)})
		}
		var next int
		for len(q.queue) > 0 {
			batch, _ := f.takeBatch()
			if len(batch) == 0 || len(batch) > limit {
				q.mu.Unlock()
				t.Fatalf("direct %v: a batch of %d requests, want 1 to %d", direct, len(batch), limit)
			}
			for _, cb := range batch {
				if want := &c.slots[next%c.maxEvents].cb; cb != want {
					q.mu.Unlock()
					t.Fatalf("direct %v: request %d out of order", direct, next)
				}
				next++
			}
		}
		q.mu.Unlock()
		if next != total {
			t.Fatalf("direct %v: %d requests taken, want %d", direct, next, total)
		}
	}
	f.direct = false
}
