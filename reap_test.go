package aio

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The tests of the reaping protocol (reap.go) use polls on pipes: requests
// that stay in the kernel until the test writes to the pipe, so that a
// chosen goroutine is left leading, or parked, for as long as a test needs.

// newTestContext returns a Context that the test closes when it ends, after
// the cleanups registered later: those of its poll pipes, whose polls
// complete when the pipe's write end closes, so that a failed test does not
// leave Close waiting for them.
func newTestContext(t *testing.T, maxEvents int) *Context {
	t.Helper()
	c, err := NewContext(maxEvents)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pollPipe is a pipe whose read end is bound to a Context for polls.
type pollPipe struct {
	f *File
	w *os.File
}

func newPollPipe(t *testing.T, c *Context) *pollPipe {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.NewFile(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); f.Close() })
	return &pollPipe{f: f, w: w}
}

// poll starts a goroutine that polls the pipe for input through the call
// path (prepare, submit, then await) and sends the result when the poll
// completes. Like a read, the poll signals the poller if the Context is at
// depth.
func (p *pollPipe) poll(ctx context.Context) <-chan int64 {
	res := make(chan int64, 1)
	c := p.f.ctx
	go func() {
		idx, err := c.acquire(ctx)
		if err != nil {
			res <- -1
			return
		}
		p.f.prepare(idx, iocbCmdPoll, nil, nil, 0, 0, 0, c.atDepth())
		c.slots[idx].cb.Buf = unix.POLLIN
		p.f.submit(false, idx)
		r := p.f.await(ctx, idx)
		c.release(idx)
		res <- r
	}()
	return res
}

func (p *pollPipe) ready(t *testing.T) {
	t.Helper()
	if _, err := p.w.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
}

// TestLeaderDeliversToOthers: a goroutine that leads while its own request
// stays in the kernel must deliver the completions of everybody else's
// requests as they come, from inside its wait in io_getevents.
func TestLeaderDeliversToOthers(t *testing.T) {
	c := newTestContext(t, 8)
	p := newPollPipe(t, c)
	polled := p.poll(context.Background())
	eventually(t, c.reapState, reapState{1, true, 0}, "the first poll")

	f := bufferedFile(t, c)
	wrote := make(chan error, 1)
	go func() {
		buf := make([]byte, 4096)
		for i := range 200 {
			if _, err := f.WriteAt(buf, int64(i%8)*4096); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	if err := within(t, wrote, "200 writes behind a leader waiting for a poll"); err != nil {
		t.Fatal(err)
	}
	// The poll's goroutine may have stepped down for a moment (a write
	// reaped before its io_submit had counted it), but it leads again.
	eventually(t, c.reapState, reapState{1, true, 0}, "after the writes")
	p.ready(t)
	if res := within(t, polled, "poll"); res&unix.POLLIN == 0 {
		t.Fatalf("poll completed with %#x; want POLLIN", res)
	}
}

// TestLeadIsHandedOn: when a leader's own request completes while another
// goroutine's request is still in the kernel, the lead must pass to that
// goroutine, or its completion would never be reaped.
func TestLeadIsHandedOn(t *testing.T) {
	c := newTestContext(t, 4)
	first, second := newPollPipe(t, c), newPollPipe(t, c)
	done1 := first.poll(context.Background())
	eventually(t, c.reapState, reapState{1, true, 0}, "the first poll")
	done2 := second.poll(context.Background())
	eventually(t, c.reapState, reapState{2, true, 1}, "the second poll")

	first.ready(t)
	within(t, done1, "first poll")
	second.ready(t)
	if res := within(t, done2, "second poll, after the leader left"); res&unix.POLLIN == 0 {
		t.Fatalf("second poll completed with %#x; want POLLIN", res)
	}
}

// TestPollerReapsAtDepth: a call submitted while pollDepth requests are in
// the kernel signals the eventfd, and once the others have completed,
// nobody leads for it: the poller's goroutine must reap it.
func TestPollerReapsAtDepth(t *testing.T) {
	c := newTestContext(t, pollDepth+1)
	shallow := make([]*pollPipe, pollDepth)
	shallowDone := make([]<-chan int64, pollDepth)
	for i := range shallow {
		shallow[i] = newPollPipe(t, c)
		shallowDone[i] = shallow[i].poll(context.Background())
		eventually(t, c.reapState, reapState{int64(i + 1), true, int32(i)}, "a poll below pollDepth")
	}
	deep := newPollPipe(t, c)
	deepDone := deep.poll(context.Background())
	eventually(t, c.reapState, reapState{pollDepth + 1, true, pollDepth - 1}, "the poll at pollDepth")

	for i, p := range shallow {
		p.ready(t)
		within(t, shallowDone[i], "a poll below pollDepth")
	}
	// Only the poll at depth is left, and its goroutine does not lead.
	eventually(t, c.reapState, reapState{1, false, 0}, "with only the poll at depth in the kernel")
	deep.ready(t)
	if res := within(t, deepDone, "the poll at depth"); res&unix.POLLIN == 0 {
		t.Fatalf("poll at depth completed with %#x; want POLLIN", res)
	}
}

// TestCancelledLeaderReturns: a leader whose context is cancelled while it
// waits in the kernel for a request that can be cancelled returns within
// leadSlice or so, and the goroutine parked behind it takes the lead.
func TestCancelledLeaderReturns(t *testing.T) {
	c := newTestContext(t, 4)
	first, second := newPollPipe(t, c), newPollPipe(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	done1 := first.poll(ctx)
	eventually(t, c.reapState, reapState{1, true, 0}, "the first poll")
	done2 := second.poll(context.Background())
	eventually(t, c.reapState, reapState{2, true, 1}, "the second poll")

	start := time.Now()
	cancel()
	within(t, done1, "cancelled poll")
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the cancelled leader returned after %v", d)
	}
	second.ready(t)
	within(t, done2, "second poll")
}

// TestUnwaitedBatchRequestsAreReaped: batch requests that nobody waits for
// must still be reaped (by the keeper), or their slots would never come back
// for Submit, and Close of their File would wait for ever.
func TestUnwaitedBatchRequestsAreReaped(t *testing.T) {
	c := newTestContext(t, 4)
	f := bufferedFile(t, c)
	buf := make([]byte, 6*4096)
	reqs := make([]*Request, 6)
	for i := range reqs {
		reqs[i] = &Request{File: f, Op: OpWrite, Buf: buf[i*4096 : (i+1)*4096], Offset: int64(i) * 4096}
	}
	// Six requests on four slots: the last two need slots that only
	// reaping the first four gives back, with no Wait running.
	submitted := make(chan error, 1)
	go func() {
		_, err := c.Submit(reqs...)
		submitted <- err
	}()
	select {
	case err := <-submitted:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Submit still waiting for slots after 10 s: nothing reaped the requests in flight")
	}
	closed := make(chan error, 1)
	go func() { closed <- f.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("File.Close still waiting for its batch requests after 10 s")
	}
	done := make([]*Request, 6)
	for n := 0; n < len(done); {
		got, err := c.Wait(context.Background(), done[n:], 1)
		if err != nil {
			t.Fatal(err)
		}
		n += got
	}
	for _, r := range done {
		if r.Err != nil || r.N != 4096 {
			t.Fatalf("request at %d: %d, %v", r.Offset, r.N, r.Err)
		}
	}
}

// bufferedFile returns a new file without O_DIRECT in the test's
// temporary directory, bound to c. Its requests complete inside io_submit,
// but their completions still go through the ring like any other.
func bufferedFile(t *testing.T, c *Context) *File {
	t.Helper()
	osFile, err := os.Create(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.NewFile(osFile)
	if err != nil {
		osFile.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestWokenIsBalanced: every call's result that a leader hands on is taken
// by its goroutine, and counted out of woken again. A count left above zero
// would make every later leader yield before it waits in the kernel.
func TestWokenIsBalanced(t *testing.T) {
	c := newTestContext(t, 8)
	f := bufferedFile(t, c)
	errs := make(chan error, 32)
	for g := range 32 {
		go func() {
			buf := make([]byte, 512)
			for i := range 100 {
				if _, err := f.WriteAt(buf, int64(g*100+i)*512); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 32 {
		if err := within(t, errs, "100 writes"); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.reaper.woken.Load(); n != 0 {
		t.Fatalf("woken = %d after every call returned; want 0", n)
	}
	if s := c.reapState(); s != (reapState{}) {
		t.Fatalf("after every call returned: %v; want nothing in the kernel, no leader, none parked", s)
	}
}

// TestKeeperBacksOffWhileOthersReap: batch requests submitted while nobody
// leads arm the keeper, but while a Wait keeps reaping them the keeper has
// nothing to do, and it must look less and less often, not every
// keepAfter: each look costs a timer and a goroutine.
func TestKeeperBacksOffWhileOthersReap(t *testing.T) {
	c := newTestContext(t, 4)
	f := bufferedFile(t, c)
	req := &Request{File: f, Op: OpWrite, Buf: make([]byte, 512)}
	done := make([]*Request, 1)
	deadline := time.Now().Add(10 * time.Second)
	for c.reaper.keepDelay.Load() != int64(keepAfterMax) {
		if time.Now().After(deadline) {
			t.Fatalf("the keeper still looks every %v after 10 s of Submit and Wait; want every %v",
				time.Duration(c.reaper.keepDelay.Load()), keepAfterMax)
		}
		if _, err := c.Submit(req); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Wait(context.Background(), done, 1); err != nil {
			t.Fatal(err)
		}
	}
	// Once nobody reaps, the keeper, however late it looks, takes over:
	// six requests on four slots need it with no Wait running.
	reqs := make([]*Request, 6)
	for i := range reqs {
		reqs[i] = &Request{File: f, Op: OpWrite, Buf: make([]byte, 512), Offset: int64(i) * 512}
	}
	submitted := make(chan error, 1)
	go func() {
		_, err := c.Submit(reqs...)
		submitted <- err
	}()
	if err := within(t, submitted, "Submit of six requests on four slots, nobody waiting"); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(reqs); {
		got, err := c.Wait(context.Background(), done, 1)
		if err != nil {
			t.Fatal(err)
		}
		n += got
	}
}
