package aio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// TestNoWaitDoesNotBlockSubmitters submits a read of an empty FIFO, whose
// io_submit would wait for a writer, and O_DIRECT reads after it, in one
// Submit. With WithNoWait, Submit returns and the O_DIRECT reads complete
// while the FIFO is still empty; the FIFO's read completes once it is
// written to. Without it, Submit waits for the FIFO.
func TestNoWaitDoesNotBlockSubmitters(t *testing.T) {
	for _, noWait := range []bool{true, false} {
		name := "WithNoWait"
		var opts []aio.Option
		if noWait {
			opts = append(opts, aio.WithNoWait(2))
		} else {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			c := newContext(t, 16, opts...)
			dir := testDir(t)
			fifo, path := openBlockingFIFO(t, c, dir)
			defer fifo.Close()
			f := openTemp(t, c, dir, 0)
			data := pattern(newBuf(t, 8*4096), 5)
			if _, err := f.WriteAt(data, 0); err != nil {
				t.Fatal(err)
			}
			fifoReq := &aio.Request{File: fifo, Op: aio.OpRead, Buf: make([]byte, 5)}
			reqs := []*aio.Request{fifoReq}
			bufs := newBuf(t, 8*4096)
			for i := range 8 {
				reqs = append(reqs, &aio.Request{File: f, Op: aio.OpRead, Buf: bufs[i*4096 : (i+1)*4096], Offset: int64(i * 4096)})
			}
			submitted := make(chan error, 1)
			go func() {
				_, err := c.Submit(reqs...)
				submitted <- err
			}()
			var written atomic.Bool
			fifoDone := make(chan struct{}, 1)
			directDone := make(chan error, 1)
			go func() {
				done := make([]*aio.Request, 16)
				for got := 0; got < 8; {
					n, err := c.Wait(t.Context(), done, 1)
					if err != nil {
						directDone <- err
						return
					}
					for _, r := range done[:n] {
						if r != fifoReq {
							got++
							continue
						}
						if !written.Load() {
							directDone <- errors.New("the FIFO's read completed before anything was written to it")
							return
						}
						fifoDone <- struct{}{}
					}
				}
				directDone <- nil
			}()

			var early bool
			select {
			case err := <-directDone:
				if err != nil {
					t.Fatal(err)
				}
				early = true
			case <-time.After(time.Second):
			}
			if early != noWait {
				t.Errorf("O_DIRECT reads completed while the FIFO's read waited: %v; want %v", early, noWait)
			}
			w, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			written.Store(true)
			if _, err := w.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if err := <-submitted; err != nil {
				t.Fatal(err)
			}
			if !early {
				if err := <-directDone; err != nil {
					t.Fatal(err)
				}
			}
			requireEqual(t, bufs, data, "O_DIRECT reads")
			select {
			case <-fifoDone:
			default:
				done := make([]*aio.Request, 1)
				if n, err := c.Wait(t.Context(), done, 1); n != 1 || err != nil || done[0] != fifoReq {
					t.Fatalf("Wait = %d, %v; want the FIFO's read", n, err)
				}
			}
			if fifoReq.Err != nil || string(fifoReq.Buf[:fifoReq.N]) != "hello" {
				t.Fatalf("FIFO read: %q, %v", fifoReq.Buf[:fifoReq.N], fifoReq.Err)
			}
			if retried := aio.NoWaitRetries(c); noWait && retried == 0 {
				t.Errorf("WithNoWait retried no request")
			}
		})
	}
}

// evict drops name's pages from the page cache.
func evict(t *testing.T, name string) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
}

// TestNoWaitColdReadsAndAllocatingWrites mixes cold buffered reads, O_DIRECT
// reads and writes that allocate, on a Context WithNoWait: every request
// completes with the right data, and the ones that would have waited were
// retried. A FlagNoWait of the caller's own still gets its EAGAIN.
func TestNoWaitColdReadsAndAllocatingWrites(t *testing.T) {
	c := newContext(t, 64, aio.WithNoWait(4))
	dir := testDir(t)
	const size = 4 << 20
	data := pattern(make([]byte, size), 11)
	coldName := filepath.Join(dir, "cold")
	if err := os.WriteFile(coldName, data, 0o600); err != nil {
		t.Fatal(err)
	}
	evict(t, coldName)
	cold := openBound(t, c, coldName, os.O_RDONLY)
	if n := residentPages(t, coldName, size); n > size/os.Getpagesize()/2 {
		t.Skipf("%d pages of %s stayed cached after FADV_DONTNEED", n, coldName)
	}
	d := openTemp(t, c, dir, 0)
	if _, err := d.WriteAt(pattern(newBuf(t, size), 11), 0); err != nil {
		t.Fatal(err)
	}
	fresh := openTemp(t, c, dir, 0)

	var reqs []*aio.Request
	const n = 16
	for i := range n {
		off := int64(i) * size / n
		reqs = append(reqs,
			&aio.Request{File: cold, Op: aio.OpRead, Buf: make([]byte, 8192), Offset: off, Tag: 1},
			&aio.Request{File: d, Op: aio.OpRead, Buf: newBuf(t, 8192), Offset: off, Tag: 2},
			&aio.Request{File: fresh, Op: aio.OpWrite, Buf: pattern(newBuf(t, 8192), i), Offset: off, Tag: 3})
	}
	if _, err := c.Submit(reqs...); err != nil {
		t.Fatal(err)
	}
	done := make([]*aio.Request, len(reqs))
	for got := 0; got < len(reqs); {
		k, err := c.Wait(t.Context(), done, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range done[:k] {
			if r.Err != nil || r.N != 8192 {
				t.Fatalf("request %d at %d: %d, %v", r.Tag, r.Offset, r.N, r.Err)
			}
			if r.Tag != 3 {
				requireEqual(t, r.Buf, data[r.Offset:r.Offset+8192], "read")
			}
		}
		got += k
	}
	got := newBuf(t, 8192)
	for i := range n {
		if _, err := fresh.ReadAt(got, int64(i)*size/n); err != nil {
			t.Fatal(err)
		}
		requireEqual(t, got, pattern(make([]byte, 8192), i), "write")
	}
	if aio.NoWaitRetries(c) == 0 {
		t.Errorf("no request was retried, although the buffered reads were cold")
	}

	// The caller's own FlagNoWait is left alone. Readahead that the
	// retried reads started may still be bringing pages in, which
	// FADV_DONTNEED leaves alone: evict until the page read is out, and
	// try again if it came back before the read (on a slow emulated
	// machine, readahead can land between the check and the read). A
	// read that dropped the flag would succeed every time.
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		evictPage(t, coldName, size/2)
		_, err = cold.ReadAtContext(t.Context(), make([]byte, 4096), size/2, aio.FlagNoWait)
		if err != nil {
			break
		}
	}
	if !errors.Is(err, syscall.EAGAIN) || !strings.Contains(err.Error(), "without FlagNoWait") {
		t.Errorf("cold read with the caller's FlagNoWait: %v; want EAGAIN saying to submit without it", err)
	}
}

// evictPage drops the page at off of the file name from
// the page cache, evicting again until it is out.
func evictPage(t *testing.T, name string, off int) {
	t.Helper()
	evict(t, name)
	for try := 0; residentPages(t, name, off+4096)-residentPages(t, name, off) != 0; try++ {
		if try == 100 {
			t.Fatalf("the page at %d of %s stays cached after FADV_DONTNEED", off, name)
		}
		time.Sleep(10 * time.Millisecond)
		evict(t, name)
	}
}

// TestNoWaitRefusedByFile writes a buffered file on a filesystem that
// refuses RWF_NOWAIT for buffered writes (ext4 does): the first write is
// retried without it, the File is marked for writes only, and its later
// writes go straight to the retriers. Every write lands.
func TestNoWaitRefusedByFile(t *testing.T) {
	c := newContext(t, 4, aio.WithNoWait(1))
	name := filepath.Join(testDir(t), "buffered")
	f := openBound(t, c, name, os.O_RDWR|os.O_CREATE)
	for i := range 3 {
		if _, err := f.WriteAt([]byte{'a' + byte(i)}, int64(i)); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if got, _ := os.ReadFile(name); string(got) != "abc" {
		t.Fatalf("file holds %q; want \"abc\"", got)
	}
	if !aio.NoWaitRefused(f, true) {
		if aio.NoWaitRetries(c) != 0 {
			t.Fatalf("%d writes retried, yet RWF_NOWAIT was not refused", aio.NoWaitRetries(c))
		}
		skipUnsupported(t, "the filesystem of %s accepts RWF_NOWAIT for buffered writes, so no refusal can be tested", name)
	}
	if r := aio.NoWaitRetries(c); r != 3 {
		t.Errorf("%d writes retried; want all 3", r)
	}
	if aio.NoWaitRefused(f, false) {
		t.Errorf("reads marked as refusing RWF_NOWAIT after writes were refused")
	}
	if n, err := f.ReadAt(make([]byte, 3), 0); n != 3 || err != nil {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	if r := aio.NoWaitRetries(c); r != 3 {
		t.Errorf("a cached read was retried (%d retries)", r)
	}
}

// TestWithNoWaitBadWorkers checks the bounds of WithNoWait's argument.
func TestWithNoWaitBadWorkers(t *testing.T) {
	for _, n := range []int{0, -1, 1 << 20} {
		c, err := aio.NewContext(4, aio.WithNoWait(n))
		if err == nil {
			c.Close()
			t.Errorf("WithNoWait(%d) accepted", n)
		} else if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "workers") || strings.Contains(err.Error(), "io_setup") {
			t.Errorf("WithNoWait(%d): %v; want EINVAL about the workers, naming no system call", n, err)
		}
	}
}

// TestNoWaitConcurrentCalls has goroutines read a cold buffered file and an
// O_DIRECT file at once through calls, some of them with contexts that end
// early, on a Context WithNoWait with few slots and one retrier: every call
// returns the file's bytes or its context's error, and Close finds nothing
// left in flight.
func TestNoWaitConcurrentCalls(t *testing.T) {
	c := newContext(t, 8, aio.WithNoWait(1))
	dir := testDir(t)
	const size = 2 << 20
	data := pattern(make([]byte, size), 4)
	name := filepath.Join(dir, "cold")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	evict(t, name)
	cold := openBound(t, c, name, os.O_RDONLY)
	d, err := c.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	errs := make(chan error, 16)
	for g := range 16 {
		go func() {
			f := cold
			if g%2 == 1 {
				f = d
			}
			buf := aio.AlignedBytes(4096)
			for i := range 64 {
				off := int64((g*64+i)*4096) % size
				ctx, cancel := context.WithCancel(t.Context())
				if i%7 == 3 {
					cancel()
				}
				n, err := f.ReadAtContext(ctx, buf, off, 0)
				cancel()
				switch {
				case errors.Is(err, context.Canceled) && i%7 == 3:
				case err != nil || n != len(buf):
					errs <- fmt.Errorf("goroutine %d, read at %d: %d, %v", g, off, n, err)
					return
				case !bytes.Equal(buf, data[off:off+4096]):
					errs <- fmt.Errorf("goroutine %d, read at %d: wrong data", g, off)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if aio.NoWaitRetries(c) == 0 {
		t.Errorf("no read was retried, although the buffered file was cold")
	}
}

// TestNoWaitEndOfFile checks that a read at the end of the file still ends
// with io.EOF on the NOWAIT path, where a read of no bytes is retried
// without RWF_NOWAIT (Linux 5.10 completes buffered NOWAIT reads of pages
// not in the page cache with 0).
func TestNoWaitEndOfFile(t *testing.T) {
	c := newContext(t, 4, aio.WithNoWait(1))
	name := filepath.Join(testDir(t), "short")
	data := pattern(make([]byte, 6000), 9)
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f := openBound(t, c, name, os.O_RDONLY)
	buf := make([]byte, 4096)
	before := aio.NoWaitRetries(c)
	if n, err := f.ReadAt(buf, 8192); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt past the end: %d, %v; want 0, io.EOF", n, err)
	}
	if aio.NoWaitRetries(c) == before {
		t.Errorf("the read of no bytes was not retried without RWF_NOWAIT")
	}
	n, err := f.ReadAt(buf, 4096)
	if n != len(data)-4096 || err != io.EOF || !bytes.Equal(buf[:n], data[4096:]) {
		t.Fatalf("ReadAt across the end: %d, %v; want %d, io.EOF and the file's bytes", n, err, len(data)-4096)
	}
}
