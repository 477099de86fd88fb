package aio_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linuxaio/aio"
)

// runFile returns a direct File of chunks*chunk bytes of the pattern.
func runFile(t *testing.T, c *aio.Context, chunks, chunk int) (*aio.File, []byte) {
	t.Helper()
	f := openTemp(t, c, testDir(t), 0)
	want := pattern(aio.AlignedBytes(chunks*chunk), 3)
	if _, err := f.WriteAt(want, 0); err != nil {
		t.Fatal(err)
	}
	return f, want
}

// readRequests returns depth read requests of chunk bytes each, at the
// first depth chunks of f.
func readRequests(f *aio.File, depth, chunk int) []*aio.Request {
	reqs := make([]*aio.Request, depth)
	for i := range reqs {
		reqs[i] = &aio.Request{File: f, Op: aio.OpRead, Buf: aio.AlignedBytes(chunk), Offset: int64(i * chunk)}
	}
	return reqs
}

func TestRunReadsAFileAtDepth(t *testing.T) {
	const chunks, chunk = 200, 4096
	for _, depth := range []int{1, 4, 32} {
		c := newContext(t, 16)
		f, want := runFile(t, c, chunks, chunk)
		got := make([]byte, len(want))
		seen := make([]int, chunks)
		next := int64(depth * chunk)
		var inHandle atomic.Int32
		err := c.Run(t.Context(), readRequests(f, depth, chunk), func(r *aio.Request) (bool, error) {
			if inHandle.Add(1) != 1 {
				t.Error("handle called concurrently")
			}
			defer inHandle.Add(-1)
			if r.Err != nil || r.N != chunk {
				return false, r.Err
			}
			seen[r.Offset/chunk]++
			copy(got[r.Offset:], r.Buf[:r.N])
			if next == int64(len(want)) {
				return false, nil
			}
			r.Offset, next = next, next+chunk
			return true, nil
		})
		if err != nil {
			t.Fatalf("depth %d: Run: %v", depth, err)
		}
		for i, n := range seen {
			if n != 1 {
				t.Fatalf("depth %d: chunk %d was handed to handle %d times; want once", depth, i, n)
			}
		}
		requireEqual(t, got, want, "what Run read")
	}
}

// TestRunStopsAtHandlesError checks that Run hands nothing to handle after
// it fails, and returns only when every request is back: each can be
// submitted again at once.
func TestRunStopsAtHandlesError(t *testing.T) {
	const depth, chunk = 8, 4096
	c := newContext(t, 16)
	f, _ := runFile(t, c, 64, chunk)
	reqs := readRequests(f, depth, chunk)
	stop := errors.New("enough")
	calls, after := 0, 0
	err := c.Run(t.Context(), reqs, func(r *aio.Request) (bool, error) {
		if calls++; calls == 3 {
			return false, stop
		}
		if calls > 3 {
			after++
		}
		r.Offset = (r.Offset + depth*chunk) % (64 * chunk)
		return true, nil
	})
	if err != stop {
		t.Fatalf("Run = %v; want handle's error", err)
	}
	if after != 0 {
		t.Errorf("handle was called %d times after it returned an error", after)
	}
	checkAllBack(t, c, reqs)
}

// checkAllBack checks that none of reqs is in flight, by submitting them
// all again and waiting for them.
func checkAllBack(t *testing.T, c *aio.Context, reqs []*aio.Request) {
	t.Helper()
	if n, err := c.Submit(reqs...); err != nil {
		t.Fatalf("Submit after Run returned: %d accepted: %v (a request was still in flight)", n, err)
	}
	done := make([]*aio.Request, len(reqs))
	for got := 0; got < len(reqs); {
		n, err := c.Wait(t.Context(), done, 1)
		if err != nil {
			t.Fatal(err)
		}
		got += n
	}
}

func TestRunStopsWhenCtxIsDone(t *testing.T) {
	const depth, chunk = 8, 4096
	c := newContext(t, 16)
	f, _ := runFile(t, c, 64, chunk)
	reqs := readRequests(f, depth, chunk)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls, after := 0, 0
	err := c.Run(ctx, reqs, func(r *aio.Request) (bool, error) {
		if calls++; calls == 5 {
			cancel()
		} else if calls > 5 {
			after++
		}
		return true, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want context.Canceled", err)
	}
	if after != 0 {
		t.Errorf("handle was called %d times after ctx was done", after)
	}
	checkAllBack(t, c, reqs)
}

func TestRunHandsRequestErrorsToHandle(t *testing.T) {
	c := newContext(t, 8)
	// A pipe has no fsync: the kernel refuses the request, with EINVAL.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, err := c.NewFile(w)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	req := &aio.Request{File: p, Op: aio.OpSync}
	var handed error
	err = c.Run(t.Context(), []*aio.Request{req}, func(r *aio.Request) (bool, error) {
		handed = r.Err
		return false, r.Err
	})
	if handed == nil || err != handed {
		t.Fatalf("fsync of a pipe: handle saw %v, Run returned %v; want the request's error from both", handed, err)
	}
}

func TestRunRefusesBadArguments(t *testing.T) {
	c := newContext(t, 8)
	f, _ := runFile(t, c, 4, 4096)
	err := c.Run(t.Context(), readRequests(f, 1, 4096), nil)
	if err == nil || !strings.Contains(err.Error(), "handle is nil") {
		t.Errorf("Run with a nil handle = %v; want an error that says so", err)
	}
	if err := c.Run(t.Context(), nil, func(*aio.Request) (bool, error) { return false, errors.New("called") }); err != nil {
		t.Errorf("Run of no requests = %v; want nil", err)
	}
	good := readRequests(f, 2, 4096)
	bad := &aio.Request{File: f, Op: aio.OpRead, Buf: aio.AlignedBytes(4096), Offset: -4096}
	handled := 0
	err = c.Run(t.Context(), append(good, bad), func(*aio.Request) (bool, error) { handled++; return false, nil })
	if err == nil || !strings.Contains(err.Error(), "offset") {
		t.Errorf("Run with a negative offset = %v; want Submit's error about the offset", err)
	}
	if handled != 0 {
		t.Errorf("handle was called %d times after Submit refused a request", handled)
	}
	checkAllBack(t, c, good)
}

// TestRunKeepsToItsOwnQueue checks that a Wait on the Context never gets
// Run's requests, nor Run another's.
func TestRunKeepsToItsOwnQueue(t *testing.T) {
	c := newContext(t, 16)
	f, _ := runFile(t, c, 64, 4096)
	other := &aio.Request{File: f, Op: aio.OpRead, Buf: aio.AlignedBytes(4096), Tag: 99}
	if _, err := c.Submit(other); err != nil {
		t.Fatal(err)
	}
	rounds := 0
	err := c.Run(t.Context(), readRequests(f, 4, 4096), func(r *aio.Request) (bool, error) {
		if r == other {
			t.Error("Run handed over a request submitted with Context.Submit")
		}
		rounds++
		return rounds < 100, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make([]*aio.Request, 8)
	n, err := c.Wait(t.Context(), done, 1)
	if err != nil || n != 1 || done[0] != other {
		t.Fatalf("Context.Wait = %d, %v; want only the request submitted with Context.Submit", n, err)
	}
}

// TestWaitNeverReturnsRequestsWithAnError checks that the usual error check
// after Wait drops no completed request: Wait returns what it has without
// an error, and the error from the next call.
func TestWaitNeverReturnsRequestsWithAnError(t *testing.T) {
	c := newContext(t, 8)
	f, _ := runFile(t, c, 4, 4096)
	read := &aio.Request{File: f, Op: aio.OpRead, Buf: aio.AlignedBytes(4096)}
	if _, err := c.Submit(read); err != nil {
		t.Fatal(err)
	}
	done := make([]*aio.Request, 4)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	// Asks for two, of which one will ever complete.
	n, err := c.Wait(ctx, done, 2)
	if n != 1 || err != nil || done[0] != read {
		t.Fatalf("Wait past its deadline with one request = %d, %v; want 1, nil", n, err)
	}
	if n, err := c.Wait(ctx, done, 1); n != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the next Wait = %d, %v; want 0 and the deadline's error", n, err)
	}

	// After Close: what Submit accepted comes back first, without an error.
	c2, err := aio.NewContext(8)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := c2.OpenFile(f.Name(), os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	reqs := readRequests(f2, 3, 4096)
	if _, err := c2.Submit(reqs...); err != nil {
		t.Fatal(err)
	}
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	got := 0
	for {
		n, err := c2.Wait(t.Context(), done, 4)
		if err != nil {
			if !errors.Is(err, aio.ErrClosed) || n != 0 {
				t.Fatalf("Wait after Close = %d, %v; want 0, ErrClosed once every request is back", n, err)
			}
			break
		}
		got += n
	}
	if got != len(reqs) {
		t.Fatalf("Wait after Close handed back %d requests; want %d", got, len(reqs))
	}
}
