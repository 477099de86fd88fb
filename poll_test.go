package aio_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// newPipe returns the two ends of a pipe, closed when the test ends.
func newPipe(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

// pipeFile returns a pipe's read end bound to c and its write end, closed
// when the test ends (if the test has not closed them before).
func pipeFile(t *testing.T, c *aio.Context) (*aio.File, *os.File) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pw.Close() })
	pipe, err := c.NewFile(pr)
	if err != nil {
		pr.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { pipe.Close() })
	return pipe, pw
}

type pollResult struct {
	events int16
	err    error
}

func pollAsync(c *aio.Context, ctx context.Context, fd int, events int16) <-chan pollResult {
	done := make(chan pollResult, 1)
	go func() {
		ev, err := c.Poll(ctx, fd, events)
		done <- pollResult{ev, err}
	}()
	return done
}

// TestPollPipeBecomesReadable polls a pipe that is empty until the test
// writes to it: Poll must wait until then, and report POLLIN.
func TestPollPipeBecomesReadable(t *testing.T) {
	c := newContext(t, 4)
	r, w := newPipe(t)
	done := pollAsync(c, t.Context(), r, unix.POLLIN)
	select {
	case res := <-done:
		t.Fatalf("Poll of an empty pipe returned %#x, %v before anything was written", res.events, res.err)
	case <-time.After(50 * time.Millisecond):
	}
	if _, err := unix.Write(w, []byte("x")); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil || res.events&unix.POLLIN == 0 {
		t.Fatalf("Poll = %#x, %v; want POLLIN", res.events, res.err)
	}

	// Ready already: the write end is writable, and the read end still
	// readable.
	if ev, err := c.Poll(t.Context(), w, unix.POLLOUT); err != nil || ev&unix.POLLOUT == 0 {
		t.Errorf("Poll(write end, POLLOUT) = %#x, %v; want POLLOUT", ev, err)
	}
	if ev, err := c.Poll(t.Context(), r, unix.POLLIN); err != nil || ev&unix.POLLIN == 0 {
		t.Errorf("Poll(read end with data, POLLIN) = %#x, %v; want POLLIN", ev, err)
	}
	// A closed write end is a hang-up, reported whatever was asked for.
	r2, w2 := newPipe(t)
	unix.Close(w2)
	if ev, err := c.Poll(t.Context(), r2, unix.POLLOUT); err != nil || ev&unix.POLLHUP == 0 {
		t.Errorf("Poll(read end without writer) = %#x, %v; want POLLHUP", ev, err)
	}
}

// TestPollOtherKinds polls an eventfd and a socket, which become ready as
// their kernel objects say.
func TestPollOtherKinds(t *testing.T) {
	c := newContext(t, 4)
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(efd)
	done := pollAsync(c, t.Context(), efd, unix.POLLIN)
	if _, err := unix.Write(efd, []byte{1, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if res := <-done; res.err != nil || res.events&unix.POLLIN == 0 {
		t.Errorf("Poll(eventfd) = %#x, %v; want POLLIN", res.events, res.err)
	}

	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sp[0])
	defer unix.Close(sp[1])
	done = pollAsync(c, t.Context(), sp[0], unix.POLLIN)
	if _, err := unix.Write(sp[1], []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if res := <-done; res.err != nil || res.events&unix.POLLIN == 0 {
		t.Errorf("Poll(socket) = %#x, %v; want POLLIN", res.events, res.err)
	}
}

// TestPollCancelled gives up on a poll of a pipe that never becomes ready:
// Poll returns ctx's error promptly, and its slot is free again (with one
// slot, a second Poll could not start otherwise).
func TestPollCancelled(t *testing.T) {
	c := newContext(t, 1)
	r, w := newPipe(t)
	for _, give := range []string{"deadline", "cancel"} {
		var ctx context.Context
		var cancel context.CancelFunc
		if give == "deadline" {
			ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
		} else {
			ctx, cancel = context.WithCancel(t.Context())
			time.AfterFunc(20*time.Millisecond, cancel)
		}
		ev, err := c.Poll(ctx, r, unix.POLLIN)
		cancel()
		if !errors.Is(err, ctx.Err()) || ctx.Err() == nil {
			t.Fatalf("%s: Poll = %#x, %v; want %v", give, ev, err, ctx.Err())
		}
	}
	// The slot is back: a poll that is ready completes.
	if _, err := unix.Write(w, []byte("x")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if ev, err := c.Poll(ctx, r, unix.POLLIN); err != nil || ev&unix.POLLIN == 0 {
		t.Fatalf("Poll after cancelled ones = %#x, %v; want POLLIN", ev, err)
	}
}

// TestPollBatchWithReads submits OpPoll requests on a pipe among O_DIRECT
// reads: the reads come back while the pipe is empty, and the poll once
// it is written to.
func TestPollBatchWithReads(t *testing.T) {
	c := newContext(t, 16)
	dir := testDir(t)
	f := openTemp(t, c, dir, 0)
	data := pattern(newBuf(t, 8*4096), 3)
	if _, err := f.WriteAt(data, 0); err != nil {
		t.Fatal(err)
	}
	pipe, pw := pipeFile(t, c)

	poll := &aio.Request{File: pipe, Op: aio.OpPoll, Events: unix.POLLIN, Tag: 100}
	reqs := []*aio.Request{poll}
	bufs := newBuf(t, 8*4096)
	for i := range 8 {
		reqs = append(reqs, &aio.Request{File: f, Op: aio.OpRead, Buf: bufs[i*4096 : (i+1)*4096], Offset: int64(i * 4096), Tag: uint64(i)})
	}
	if n, err := c.Submit(reqs...); n != len(reqs) || err != nil {
		t.Fatalf("Submit = %d, %v", n, err)
	}
	done := make([]*aio.Request, 16)
	got := 0
	for got < 8 {
		n, err := c.Wait(t.Context(), done, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range done[:n] {
			if r == poll {
				t.Fatalf("OpPoll of an empty pipe completed: N %#x, Err %v", r.N, r.Err)
			}
			if r.Err != nil || r.N != 4096 {
				t.Fatalf("read %d: %d, %v", r.Tag, r.N, r.Err)
			}
			got++
		}
	}
	requireEqual(t, bufs, data, "reads submitted with a poll")
	if _, err := pw.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Wait(t.Context(), done, 1); n != 1 || err != nil || done[0] != poll {
		t.Fatalf("Wait = %d, %v; want the poll", n, err)
	}
	if poll.Err != nil || int16(poll.N)&unix.POLLIN == 0 {
		t.Fatalf("OpPoll: N %#x, Err %v; want POLLIN", poll.N, poll.Err)
	}
}

// TestPollAlwaysReadyRefused polls a regular file, which is always ready:
// both forms refuse it, saying why.
func TestPollAlwaysReadyRefused(t *testing.T) {
	c := newContext(t, 4)
	f, err := os.CreateTemp(t.TempDir(), "regular")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = c.Poll(t.Context(), int(f.Fd()), unix.POLLIN)
	if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "regular file") {
		t.Errorf("Poll(regular file) = %v; want EINVAL saying it is a regular file", err)
	}
	if _, err := c.Poll(t.Context(), -1, unix.POLLIN); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Poll(-1) = %v; want EINVAL", err)
	}
	if _, err := c.Poll(t.Context(), 1<<20, unix.POLLIN); !errors.Is(err, syscall.EBADF) {
		t.Errorf("Poll(closed descriptor) = %v; want EBADF", err)
	}
	af, err := c.NewFile(f)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Submit(&aio.Request{File: af, Op: aio.OpPoll, Events: unix.POLLIN})
	if n != 0 || !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "regular file") {
		t.Errorf("Submit(OpPoll on a regular file) = %d, %v; want EINVAL saying it is a regular file", n, err)
	}
	pipe, _ := pipeFile(t, c)
	n, err = c.Submit(&aio.Request{File: pipe, Op: aio.OpPoll, Events: unix.POLLIN, Flags: aio.FlagNoWait})
	if n != 0 || !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "no Flags") {
		t.Errorf("Submit(OpPoll with flags) = %d, %v; want EINVAL saying it takes none", n, err)
	}
}

// TestCloseCancelsPolls closes a File and then a Context with polls in
// flight that would never complete: both Closes return, and the polls fail
// with ErrClosed.
func TestCloseCancelsPolls(t *testing.T) {
	c, err := aio.NewContext(8)
	if err != nil {
		t.Fatal(err)
	}
	pipe, _ := pipeFile(t, c)
	poll := &aio.Request{File: pipe, Op: aio.OpPoll, Events: unix.POLLIN}
	if _, err := c.Submit(poll); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- pipe.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("File.Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("File.Close did not return with a poll in flight")
	}
	done := make([]*aio.Request, 1)
	if n, err := c.Wait(t.Context(), done, 1); n != 1 || err != nil || !errors.Is(poll.Err, aio.ErrClosed) {
		t.Fatalf("Wait = %d, %v, the poll's Err %v; want the poll with ErrClosed", n, err, poll.Err)
	}

	r, _ := newPipe(t)
	polls := make([]<-chan pollResult, 3)
	for i := range polls {
		polls[i] = pollAsync(c, context.Background(), r, unix.POLLIN)
	}
	time.Sleep(20 * time.Millisecond) // let them reach the kernel, or not
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Context.Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Context.Close did not return with polls in flight")
	}
	for _, p := range polls {
		if res := <-p; !errors.Is(res.err, aio.ErrClosed) {
			t.Errorf("Poll during Close = %#x, %v; want ErrClosed", res.events, res.err)
		}
	}
}
