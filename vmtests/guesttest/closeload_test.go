package guesttest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// The load of TestCloseUnderLoad: goroutines calling ReadAt on the raw and
// the slow disk, and one goroutine keeping batch requests in flight on both.
const (
	closeRounds      = 4
	closeRawReaders  = 3
	closeSlowReaders = 2
	closeBatch       = 16 // half on each disk
	closeBlock       = 4096
	closeSlots       = 24 // room for all of the load's requests at once
)

// TestCloseUnderLoad closes a Context, several times over, while goroutines
// read through it from a fast and a slow disk and another one keeps batch
// requests in flight: Close must return; every call must return its data or
// an error matching ErrClosed; Wait must return ErrClosed only once every
// request that Submit accepted has come back; and no goroutine may be left
// behind.
func TestCloseUnderLoad(t *testing.T) {
	guest.SkipIfNotInVM(t)
	rawDev := findDisk(t, testvm.Raw)
	slowDev := findDisk(t, testvm.Slow)
	for round := range closeRounds {
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			closeUnderLoad(t, rawDev, slowDev, uint64(round))
		})
	}
}

// A closeDisk is where the load reads: the blocks of a File from first on,
// which hold the image pattern.
type closeDisk struct {
	f      *aio.File
	first  int64
	blocks int
}

func (d closeDisk) offset(rng *rand.Rand) int64 {
	return d.first + int64(rng.IntN(d.blocks))*closeBlock
}

func closeUnderLoad(t *testing.T, rawDev, slowDev string, round uint64) {
	goroutines := runtime.NumGoroutine()

	c, err := aio.NewContext(closeSlots)
	if err != nil {
		t.Fatal(err)
	}
	// For a test that stops early; closing twice is harmless.
	t.Cleanup(func() { c.Close() })
	raw, err := c.OpenFile(rawDev, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := c.OpenFile(slowDev, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	disks := []closeDisk{
		{raw, rawUnwritten, int((testvm.Raw.Size - rawUnwritten) / closeBlock)},
		{slow, 0, int(testvm.Slow.Size / closeBlock)},
	}
	b, err := aio.NewBuf((closeRawReaders + closeSlowReaders + closeBatch) * closeBlock)
	if err != nil {
		t.Fatal(err)
	}
	bufs := b.Bytes()
	nextBuf := func() []byte {
		p := bufs[:closeBlock:closeBlock]
		bufs = bufs[closeBlock:]
		return p
	}

	workers := closeRawReaders + closeSlowReaders + 1
	progress := make(chan struct{}, workers) // one token per worker once it has done I/O
	results := make(chan error, workers)     // why each worker stopped: nil for ErrClosed
	for i := range closeRawReaders + closeSlowReaders {
		d := disks[0]
		if i >= closeRawReaders {
			d = disks[1]
		}
		p := nextBuf()
		rng := rand.New(rand.NewPCG(round, uint64(i)))
		go func() { results <- readUntilClosed(d, p, rng, progress) }()
	}
	reqs := make([]*aio.Request, closeBatch)
	for i := range reqs {
		reqs[i] = &aio.Request{File: disks[i%2].f, Op: aio.OpRead, Buf: nextBuf(), Tag: uint64(i)}
	}
	go func() { results <- batchUntilClosed(c, reqs, disks, rand.New(rand.NewPCG(round, 0xba7c4)), progress) }()

	for range workers {
		select {
		case <-progress:
		case err := <-results:
			t.Fatalf("a worker stopped before Close: %v", err)
		case <-time.After(hang):
			t.Fatal("a worker did no I/O")
		}
	}

	closeWithin(t, c, hang)
	for range workers {
		select {
		case err := <-results:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(hang):
			t.Fatal("a worker still runs after Close")
		}
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, f := range []*aio.File{raw, slow} {
		f.Close()
	}
	// Close returned and every worker has stopped: nothing uses the
	// memory any more.
	if err := b.Free(); err != nil {
		t.Error(err)
	}
	waitGoroutines(t, goroutines)
}

// readUntilClosed reads blocks of d into p with ReadAt until a read fails.
// It returns nil if that read failed with ErrClosed, else what went wrong.
// It signals progress after its first read.
func readUntilClosed(d closeDisk, p []byte, rng *rand.Rand, progress chan<- struct{}) error {
	for i := 0; ; i++ {
		off := d.offset(rng)
		n, err := d.f.ReadAt(p, off)
		if err != nil {
			if errors.Is(err, aio.ErrClosed) && errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("ReadAt at %d on %s: %v, want the data or ErrClosed", off, d.f.Name(), err)
		}
		if n != len(p) {
			return fmt.Errorf("ReadAt at %d on %s: %d bytes, want %d", off, d.f.Name(), n, len(p))
		}
		if err := testvm.Check(p, off, testvm.ImageSeed); err != nil {
			return fmt.Errorf("ReadAt on %s: %v", d.f.Name(), err)
		}
		if i == 0 {
			progress <- struct{}{}
		}
	}
}

// batchUntilClosed keeps reqs in flight, on the disks that their Files
// belong to, until Submit or Wait reports ErrClosed, then waits for the
// requests that Submit accepted. It returns nil if everything went as it
// should, else what went wrong. It signals progress after its first
// completed request.
func batchUntilClosed(c *aio.Context, reqs []*aio.Request, disks []closeDisk, rng *rand.Rand, progress chan<- struct{}) error {
	disk := func(r *aio.Request) closeDisk {
		if r.File == disks[0].f {
			return disks[0]
		}
		return disks[1]
	}
	accepted, returned := 0, 0
	idle := reqs // not in flight
	closed, signalled := false, false
	out := make([]*aio.Request, len(reqs))
	for {
		if !closed && len(idle) > 0 {
			for _, r := range idle {
				r.Offset = disk(r).offset(rng)
			}
			n, err := c.Submit(idle...)
			accepted += n
			idle = idle[n:]
			if err != nil {
				if !errors.Is(err, aio.ErrClosed) {
					return fmt.Errorf("Submit: %v, want ErrClosed or no error", err)
				}
				closed = true
			}
		}

		n, err := c.Wait(context.Background(), out, 1)
		returned += n
		for _, r := range out[:n] {
			switch {
			case r.Err == nil && r.N == len(r.Buf):
				if err := testvm.Check(r.Buf, r.Offset, testvm.ImageSeed); err != nil {
					return fmt.Errorf("batch read on %s: %v", r.File.Name(), err)
				}
			case r.Err != nil && errors.Is(r.Err, aio.ErrClosed):
			default:
				return fmt.Errorf("batch read at %d on %s: %d bytes, %v; want %d bytes or ErrClosed", r.Offset, r.File.Name(), r.N, r.Err, len(r.Buf))
			}
		}
		if n > 0 && !signalled {
			progress <- struct{}{}
			signalled = true
		}
		idle = append(idle[:len(idle):len(idle)], out[:n]...)
		if err != nil {
			if !errors.Is(err, aio.ErrClosed) {
				return fmt.Errorf("Wait: %v, want ErrClosed", err)
			}
			if returned != accepted {
				return fmt.Errorf("Wait returned ErrClosed with %d of the %d accepted requests not returned", accepted-returned, accepted)
			}
			return nil
		}
	}
}
