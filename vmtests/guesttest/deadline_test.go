package guesttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// floodInFlight is how many reads the flood of TestDeadlineOnSlowDisk keeps
// in flight: well more than the slow disk's queue holds.
const floodInFlight = 24

// A deadlineCall is one ReadAtContext call with a deadline, and what became
// of it.
type deadlineCall struct {
	chunk []byte // the call reads into the first readLen bytes; the rest is a guard
	off   int64

	deadline time.Time
	returned time.Time
	n        int
	err      error
	expired  bool   // the deadline had passed when the call returned
	snapshot []byte // chunk right after the call returned
}

const (
	readLen   = 4096
	chunkSize = 2 * readLen
)

// TestDeadlineOnSlowDisk gives reads on the slow disk, which a flood of
// other reads keeps busy, deadlines much shorter than the reads take. A
// call may return the read's result or the context's error, but once it has
// returned, the kernel must be done with its buffer: the test watches the
// buffers for changes while the flood's reads keep completing. Callers of a
// small Context that are still waiting when their deadline passes, for a
// slot or in a queue, must give up promptly.
func TestDeadlineOnSlowDisk(t *testing.T) {
	guest.SkipIfNotInVM(t)
	dev := findDisk(t, testvm.Slow)
	fl := startFlood(t, dev, floodInFlight)
	// Once the first reads are back, the throttle's allowance for bursts
	// is spent and the disk's queue is full: new reads wait behind the
	// flood's.
	fl.waitCompleted(t, 4)

	// The buffers, Contexts and Files belong to the whole test, which
	// watches the buffers after the subtests.
	const flightCallers, waitCallers = 8, 12
	flight := newDeadlineCalls(t, flightCallers, 0)
	waiting := newDeadlineCalls(t, waitCallers, 1<<20)
	all := append(slices.Clip(flight), waiting...)
	flightFile := openFile(t, newContext(t, 2*flightCallers), dev, os.O_RDONLY)
	small := newContext(t, 4)
	smallFile := openFile(t, small, dev, os.O_RDONLY)

	t.Run("in flight", func(t *testing.T) {
		runDeadlineCalls(t, flightFile, flight, 20*time.Millisecond)
		expired, gaveUp := 0, 0
		for _, dc := range flight {
			checkDeadlineCall(t, dc)
			if dc.expired {
				expired++
			}
			if dc.err != nil {
				gaveUp++
			}
		}
		t.Logf("%d of %d reads outlived their deadline; %d returned the context's error, the others their data",
			expired, len(flight), gaveUp)
		// Otherwise the deadlines tested nothing.
		if expired < len(flight)/2 {
			t.Errorf("only %d of %d reads were still running at their deadline: the flood does not keep %s busy", expired, len(flight), dev)
		}
	})

	t.Run("waiting", func(t *testing.T) {
		runDeadlineCalls(t, smallFile, waiting, 50*time.Millisecond)
		// At most MaxEvents callers can have had a request submitted;
		// the others were waiting for a slot, or queued, when their
		// deadline came, with nothing in the kernel.
		ref := fl.medianLatency()
		gaveUp := 0
		var latest time.Duration
		for _, dc := range waiting {
			checkDeadlineCall(t, dc)
			if dc.err == nil {
				continue
			}
			gaveUp++
			late := dc.returned.Sub(dc.deadline)
			latest = max(latest, late)
			if late > ref/4 {
				t.Errorf("a read returned %v %v after its deadline, while a read on %s takes %v (median of the flood's): a waiting caller must give up promptly",
					dc.err, late, dev, ref)
			}
		}
		if want := len(waiting) - small.MaxEvents(); gaveUp < want {
			t.Errorf("%d of %d callers of a Context with %d slots returned the context's error, want at least %d",
				gaveUp, len(waiting), small.MaxEvents(), want)
		}
		t.Logf("%d of %d callers gave up, at most %v after their deadline; a read on %s takes %v (median of the flood's)",
			gaveUp, len(waiting), latest, dev, ref)
	})

	// Watch every buffer for a second at least, and until the flood has
	// completed as many reads as it keeps in flight: whatever was in the
	// disk's queue when the last call returned has completed by then.
	var last time.Time
	for _, dc := range all {
		if dc.returned.After(last) {
			last = dc.returned
		}
	}
	changed := make([]bool, len(all))
	for {
		for i, dc := range all {
			if !changed[i] && !bytes.Equal(dc.chunk, dc.snapshot) {
				changed[i] = true
				t.Errorf("the buffer of a read at %d (%d bytes, %v) changed %v after the call returned",
					dc.off, dc.n, dc.err, time.Since(dc.returned))
			}
		}
		waited := time.Since(last)
		if waited >= time.Second && fl.completedSince(last) >= floodInFlight {
			break
		}
		if waited > hang {
			t.Fatalf("the flood completed %d reads in %v", fl.completedSince(last), waited)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("watched %d buffers for %v, while %d of the flood's reads completed", len(all), time.Since(last), fl.completedSince(last))
	fl.stopAndCheck(t)
}

// newDeadlineCalls returns n calls reading blocks of the slow disk from
// offset base on, with buffers full of the sentinel.
func newDeadlineCalls(t *testing.T, n int, base int64) []*deadlineCall {
	buf := newBuf(t, n*chunkSize)
	for i := range buf {
		buf[i] = sentinel
	}
	calls := make([]*deadlineCall, n)
	for i := range calls {
		calls[i] = &deadlineCall{
			chunk: buf[i*chunkSize : (i+1)*chunkSize],
			off:   base + int64(i)*chunkSize,
		}
	}
	return calls
}

// runDeadlineCalls makes the calls on f at once, each with the given
// timeout, and waits until all have returned.
func runDeadlineCalls(t *testing.T, f *aio.File, calls []*deadlineCall, timeout time.Duration) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, dc := range calls {
		wg.Go(func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			dc.deadline, _ = ctx.Deadline()
			dc.n, dc.err = f.ReadAtContext(ctx, dc.chunk[:readLen], dc.off, 0)
			dc.returned = time.Now()
			dc.snapshot = bytes.Clone(dc.chunk)
			dc.expired = ctx.Err() != nil
		})
	}
	close(start)
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(hang):
		t.Fatalf("reads with a deadline of %v did not return", timeout)
	}
}

// checkDeadlineCall checks what a call returned and what its buffer held
// then: the data read, or nothing at all if it returned an error.
func checkDeadlineCall(t *testing.T, dc *deadlineCall) {
	t.Helper()
	what := fmt.Sprintf("ReadAtContext at %d", dc.off)
	if !onlySentinel(dc.snapshot[readLen:]) {
		t.Errorf("%s: the bytes after the buffer changed", what)
	}
	switch {
	case dc.err == nil:
		if dc.n != readLen {
			t.Errorf("%s: %d bytes, want %d", what, dc.n, readLen)
		} else if err := testvm.Check(dc.snapshot[:readLen], dc.off, testvm.ImageSeed); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	case !errors.Is(dc.err, context.DeadlineExceeded):
		t.Errorf("%s: %v, want the data or context.DeadlineExceeded", what, dc.err)
	case !onlySentinel(dc.snapshot[:readLen]):
		t.Errorf("%s returned %v, but its buffer had been written to", what, dc.err)
	}
}

// onlySentinel reports whether every byte of p is the sentinel.
func onlySentinel(p []byte) bool {
	for _, b := range p {
		if b != sentinel {
			return false
		}
	}
	return true
}
