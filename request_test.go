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

func TestSubmitAndWait(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	for _, reaping := range reapingModes {
		t.Run(reaping.name, func(t *testing.T) {
			const n, block = 48, 4096
			c := newContext(t, 16, reaping.opts...)
			f := openTemp(t, c, dir, 0)
			ctx := context.Background()

			// Write n blocks with more requests than slots: Submit waits
			// for slots and submits in batches.
			reqs := make([]*aio.Request, n)
			for i := range reqs {
				reqs[i] = &aio.Request{File: f, Op: aio.OpWrite, Buf: pattern(newBuf(t, block), i), Offset: int64(i) * block, Tag: uint64(i)}
			}
			if got, err := c.Submit(reqs...); err != nil || got != n {
				t.Fatalf("Submit = %d, %v", got, err)
			}
			collect(t, c, n, func(r *aio.Request) {
				if r.Err != nil || r.N != block {
					t.Fatalf("write %d: N=%d, Err=%v", r.Tag, r.N, r.Err)
				}
			})

			// Read them back, reusing the requests.
			for i, r := range reqs {
				r.Op, r.Buf = aio.OpRead, newBuf(t, block)
				r.Tag = uint64(i)
			}
			if _, err := c.Submit(reqs...); err != nil {
				t.Fatal(err)
			}
			collect(t, c, n, func(r *aio.Request) {
				if r.Err != nil || r.N != block {
					t.Fatalf("read %d: N=%d, Err=%v", r.Tag, r.N, r.Err)
				}
				requireEqual(t, r.Buf, pattern(make([]byte, block), int(r.Tag)), "batch read")
			})

			// Vectored and sync operations through requests.
			vec := &aio.Request{File: f, Op: aio.OpWritev, Bufs: [][]byte{newBuf(t, block), newBuf(t, block)}, Offset: n * block}
			syncReq := &aio.Request{File: f, Op: aio.OpSync}
			dsync := &aio.Request{File: f, Op: aio.OpDatasync}
			if _, err := c.Submit(vec); err != nil {
				t.Fatal(err)
			}
			collect(t, c, 1, nil)
			if _, err := c.Submit(syncReq, dsync); err != nil {
				t.Fatal(err)
			}
			collect(t, c, 2, func(r *aio.Request) {
				if r.Err != nil {
					t.Fatalf("%v: %v", r.Op, r.Err)
				}
			})
			if vec.Err != nil || vec.N != 2*block {
				t.Fatalf("writev request: N=%d, Err=%v", vec.N, vec.Err)
			}
			readv := &aio.Request{File: f, Op: aio.OpReadv, Bufs: [][]byte{newBuf(t, block), newBuf(t, block)}, Offset: (n + 1) * block}
			if _, err := c.Submit(readv); err != nil {
				t.Fatal(err)
			}
			collect(t, c, 1, nil)
			// One block exists past the offset: a short read, not an error.
			if readv.Err != nil || readv.N != block {
				t.Fatalf("readv across the end: N=%d, Err=%v; want %d, nil", readv.N, readv.Err, block)
			}
			_ = ctx
		})
	}
}

// collect waits for n completions and checks each with check.
func collect(t *testing.T, c *aio.Context, n int, check func(*aio.Request)) {
	t.Helper()
	done := make([]*aio.Request, 8)
	for n > 0 {
		got, err := c.Wait(context.Background(), done, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range done[:got] {
			if check != nil {
				check(r)
			}
		}
		n -= got
	}
}

func TestSubmitErrors(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	other := newContext(t, 4)
	g := openTemp(t, other, dir, 0)
	buf := newBuf(t, 4096)

	good := &aio.Request{File: f, Op: aio.OpRead, Buf: buf}
	tests := []struct {
		name string
		req  *aio.Request
		want string // in the error
	}{
		{"nil request", nil, "a request is nil"},
		{"no file", &aio.Request{Op: aio.OpRead, Buf: buf}, "request has no File"},
		{"bad op", &aio.Request{File: f, Op: 99, Buf: buf}, "invalid Op 99"},
		{"other context", &aio.Request{File: g, Op: aio.OpRead, Buf: buf}, "another Context"},
		{"misaligned", &aio.Request{File: f, Op: aio.OpRead, Buf: buf[1:513]}, "O_DIRECT"},
		{"negative offset", &aio.Request{File: f, Op: aio.OpWrite, Buf: buf, Offset: -4096}, "negative offset"},
	}
	for _, tt := range tests {
		n, err := c.Submit(good, tt.req)
		if n != 1 || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Submit = %d, %v; want 1 accepted and an error saying %q", tt.name, n, err, tt.want)
		}
		collect(t, c, 1, nil)
	}

	// A request may not be submitted again before Wait returns it.
	if _, err := c.Submit(good, good); err == nil {
		t.Error("the same request was accepted twice while in flight")
	}
	collect(t, c, 1, nil)

	// The kernel's rejections come back through Wait. An epoll descriptor
	// cannot be read at all: io_submit refuses the read with EINVAL.
	efd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	epoll, err := c.NewFile(os.NewFile(uintptr(efd), "epoll"))
	if err != nil {
		t.Fatal(err)
	}
	defer epoll.Close()
	bad := &aio.Request{File: epoll, Op: aio.OpRead, Buf: buf[:8]}
	if _, err := c.Submit(bad, good); err != nil {
		t.Fatal(err)
	}
	collect(t, c, 2, nil)
	var pe *os.PathError
	if !errors.Is(bad.Err, syscall.EINVAL) || !errors.As(bad.Err, &pe) || pe.Op != "read" || pe.Path != "epoll" {
		t.Fatalf("read request on an epoll descriptor: Err = %v; want *os.PathError{read, epoll, EINVAL}", bad.Err)
	}
	if good.Err != nil {
		t.Fatalf("the request after a rejected one: %v", good.Err)
	}

	// Requests the kernel would refuse are refused before it, saying why.
	ro, err := c.OpenFile(f.Name(), os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	n, err := c.Submit(&aio.Request{File: ro, Op: aio.OpWrite, Buf: buf})
	if n != 0 || !errors.Is(err, syscall.EBADF) || !strings.Contains(err.Error(), "O_RDONLY") {
		t.Fatalf("write request on a read-only file: Submit = %d, %v; want 0 and EBADF naming O_RDONLY", n, err)
	}
}

func TestWaitContext(t *testing.T) {
	t.Parallel()
	c := newContext(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make([]*aio.Request, 4)
	if n, err := c.Wait(ctx, done, 1); n != 0 || err != context.Canceled {
		t.Fatalf("Wait with nothing in flight and a cancelled context = %d, %v", n, err)
	}
	if _, err := c.Wait(ctx, nil, 1); err == nil {
		t.Fatal("Wait with no room succeeded")
	}
}

func TestBatchZeroAllocations(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 32)
	f := openTemp(t, c, dir, 0)
	if _, err := f.WriteAt(newBuf(t, 32*4096), 0); err != nil {
		t.Fatal(err)
	}
	reqs := make([]*aio.Request, 32)
	for i := range reqs {
		reqs[i] = &aio.Request{File: f, Op: aio.OpRead, Buf: newBuf(t, 4096), Offset: int64(i) * 4096}
	}
	done := make([]*aio.Request, 32)
	ctx := context.Background()
	round := func() {
		if _, err := c.Submit(reqs...); err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(reqs); {
			got, err := c.Wait(ctx, done, 1)
			if err != nil {
				t.Fatal(err)
			}
			n += got
		}
	}
	round() // warm up
	if allocs := testing.AllocsPerRun(20, round); allocs != 0 {
		t.Fatalf("%v allocations per round of 32 requests; want 0", allocs)
	}
}

func TestReadAtAllocations(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	buf := newBuf(t, 4096)
	if _, err := f.WriteAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := f.ReadAt(buf, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Fatalf("%v allocations per ReadAt; want at most 1", allocs)
	}
	t.Logf("%v allocations per ReadAt", allocs)
}

// Submit and File.Close race: Close waits for the file's requests, so Submit
// must not hold accepted requests back while it waits behind Close.
func TestSubmitRacingFileClose(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	mem := newBuf(t, 32*4096)
	for round := range 100 {
		f := openTemp(t, c, dir, 0)
		reqs := make([]*aio.Request, 32)
		for i := range reqs {
			reqs[i] = &aio.Request{File: f, Op: aio.OpWrite, Buf: mem[i*4096 : (i+1)*4096], Offset: int64(i) * 4096}
		}
		submitted := make(chan int)
		go func() {
			n, _ := c.Submit(reqs...)
			submitted <- n
		}()
		closed := make(chan struct{})
		go func() {
			time.Sleep(time.Duration(round%20) * 10 * time.Microsecond)
			f.Close()
			close(closed)
		}()
		var n int
		timeout := time.After(20 * time.Second)
		select {
		case n = <-submitted:
		case <-timeout:
			t.Fatalf("round %d: Submit hung while the File was being closed", round)
		}
		select {
		case <-closed:
		case <-timeout:
			t.Fatalf("round %d: File.Close hung while requests were being submitted", round)
		}
		collect(t, c, n, nil)
	}
}
