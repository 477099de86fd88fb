package guesttest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// A flood keeps a fixed number of 4 KiB reads in flight on the slow disk,
// through a Context of its own, until it is stopped: more than the disk's
// queue holds, so that other requests on the disk wait behind it, and its
// submissions block in io_submit. It checks the data of every read and
// records when each completed and how long it took.
type flood struct {
	c    *aio.Context
	f    *aio.File
	reqs []*aio.Request

	completed chan *aio.Request // from the waiter to the submitter
	stop      chan struct{}     // closed to stop
	finished  chan struct{}     // closed when everything is done

	mu          sync.Mutex
	completions []floodCompletion
	err         error // the first problem found
}

type floodCompletion struct {
	at      time.Time
	latency time.Duration // from the Submit call to Wait returning it
}

const floodBlock = 4096

// startFlood starts a flood of inFlight reads on the slow disk dev. It is
// stopped, and its problems reported, when the test ends, if the test did
// not do so before.
func startFlood(t *testing.T, dev string, inFlight int) *flood {
	t.Helper()
	c, err := aio.NewContext(inFlight)
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.OpenFile(dev, os.O_RDONLY, 0)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	b, err := aio.NewBuf(inFlight * floodBlock)
	if err != nil {
		f.Close()
		c.Close()
		t.Fatal(err)
	}
	fl := &flood{
		c:         c,
		f:         f,
		reqs:      make([]*aio.Request, inFlight),
		completed: make(chan *aio.Request, inFlight),
		stop:      make(chan struct{}),
		finished:  make(chan struct{}),
	}
	for i := range fl.reqs {
		fl.reqs[i] = &aio.Request{File: f, Op: aio.OpRead, Buf: b.Bytes()[i*floodBlock : (i+1)*floodBlock], Tag: uint64(i)}
	}
	waiterDone := make(chan struct{})
	go fl.wait(waiterDone)
	go func() {
		fl.run(waiterDone)
		f.Close()
		// Every request has come back, or the Context is closed: the
		// kernel no longer uses the buffer.
		b.Free()
		close(fl.finished)
	}()
	t.Cleanup(func() { fl.stopAndCheck(t) })
	return fl
}

// wait hands the flood's completed requests to run until the Context is
// closed.
func (fl *flood) wait(done chan<- struct{}) {
	defer close(done)
	out := make([]*aio.Request, len(fl.reqs))
	for {
		n, err := fl.c.Wait(context.Background(), out, 1)
		for _, r := range out[:n] {
			fl.completed <- r // never blocks: it has room for every request
		}
		if err != nil {
			if !errors.Is(err, aio.ErrClosed) {
				fl.fail(fmt.Errorf("Wait: %v", err))
			}
			return
		}
	}
}

// run submits the flood's requests, and each again, at a new offset, as it
// comes back, until the flood is stopped and the last one is back; then it
// closes the Context.
func (fl *flood) run(waiterDone <-chan struct{}) {
	defer fl.c.Close()
	rng := rand.New(rand.NewPCG(uint64(len(fl.reqs)), 0xf100d))
	blocks := int(testvm.Slow.Size / floodBlock)
	submitted := make([]time.Time, len(fl.reqs))
	submit := func(r *aio.Request) bool {
		r.Offset = int64(rng.IntN(blocks)) * floodBlock
		submitted[r.Tag] = time.Now()
		if _, err := fl.c.Submit(r); err != nil {
			fl.fail(fmt.Errorf("Submit: %v", err))
			return false
		}
		return true
	}

	inFlight := 0
	for _, r := range fl.reqs {
		if submit(r) {
			inFlight++
		}
	}
	stop := fl.stop
	for inFlight > 0 {
		select {
		case r := <-fl.completed:
			inFlight--
			now := time.Now()
			switch {
			case r.Err != nil || r.N != len(r.Buf):
				fl.fail(fmt.Errorf("read at %d: %d bytes, %v", r.Offset, r.N, r.Err))
			default:
				if err := testvm.Check(r.Buf, r.Offset, testvm.ImageSeed); err != nil {
					fl.fail(err)
				}
			}
			fl.mu.Lock()
			fl.completions = append(fl.completions, floodCompletion{now, now.Sub(submitted[r.Tag])})
			fl.mu.Unlock()
			if stop != nil && submit(r) {
				inFlight++
			}
		case <-stop:
			stop = nil
		case <-waiterDone:
			// Nothing more will come back; Close waits for the rest.
			return
		}
	}
}

func (fl *flood) fail(err error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.err == nil {
		fl.err = fmt.Errorf("flood on %s: %w", fl.f.Name(), err)
	}
}

// completedSince returns how many of the flood's reads completed after t.
func (fl *flood) completedSince(t time.Time) int {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	n := 0
	for _, c := range fl.completions {
		if c.at.After(t) {
			n++
		}
	}
	return n
}

// medianLatency returns the median time the flood's reads took so far.
func (fl *flood) medianLatency() time.Duration {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	l := make([]time.Duration, len(fl.completions))
	for i, c := range fl.completions {
		l[i] = c.latency
	}
	if len(l) == 0 {
		return 0
	}
	slices.Sort(l)
	return l[len(l)/2]
}

// waitCompleted waits until n of the flood's reads have completed.
func (fl *flood) waitCompleted(t *testing.T, n int) {
	t.Helper()
	start := time.Now()
	for fl.completedSince(time.Time{}) < n {
		if time.Since(start) > hang {
			t.Fatalf("the flood on %s completed %d reads in %v", fl.f.Name(), fl.completedSince(time.Time{}), hang)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stopAndCheck stops the flood, waits until all its reads are back, and
// reports its problems. Calling it again does nothing.
func (fl *flood) stopAndCheck(t *testing.T) {
	t.Helper()
	select {
	case <-fl.stop:
		return
	default:
	}
	close(fl.stop)
	select {
	case <-fl.finished:
	case <-time.After(hang):
		t.Fatalf("the flood on %s did not stop", fl.f.Name())
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.err != nil {
		t.Error(fl.err)
	}
}
