package guesttest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// The blocks of the raw disk that TestConcurrentIO writes, past testOps'
// regions: worker w owns the blocks w, w+workers, w+2·workers, ... of the
// region and writes them with the seed concurrentSeed(w).
const (
	concurrentWorkers = 64
	concurrentBlocks  = 4 // per worker
	concurrentBlock   = 4096
	concurrentRegion  = 2 << 20
)

func concurrentOffset(w, i int) int64 {
	return concurrentRegion + int64(i*concurrentWorkers+w)*concurrentBlock
}

func concurrentSeed(w int) uint16 { return uint16(0x3000 + w) }

// TestConcurrentIO has many more goroutines than the Context has slots
// write, read back and check their own blocks of a disk, so that requests
// queue for slots and complete out of order; then it checks every block
// once more.
func TestConcurrentIO(t *testing.T) {
	guest.SkipIfNotInVM(t)
	c := newContext(t, 4)
	f := openDisk(t, c, testvm.Raw)

	errs := make(chan error, concurrentWorkers)
	var wg sync.WaitGroup
	for w := range concurrentWorkers {
		wg.Go(func() { errs <- concurrentWorker(f, w) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}

	p := newBuf(t, concurrentBlock)
	for w := range concurrentWorkers {
		for i := range concurrentBlocks {
			off := concurrentOffset(w, i)
			n, err := f.ReadAt(p, off)
			checkIO(t, "ReadAt", n, err, concurrentBlock)
			checkData(t, fmt.Sprintf("block %d of worker %d", i, w), p, off, concurrentSeed(w))
		}
	}
}

// concurrentWorker writes worker w's blocks, reading each back and checking
// it.
func concurrentWorker(f *aio.File, w int) error {
	b, err := aio.NewBuf(2 * concurrentBlock)
	if err != nil {
		return err
	}
	defer b.Free()
	out, in := b.Bytes()[:concurrentBlock], b.Bytes()[concurrentBlock:]
	ctx := context.Background()
	for i := range concurrentBlocks {
		off := concurrentOffset(w, i)
		testvm.Fill(out, off, concurrentSeed(w))
		if n, err := f.WriteAtContext(ctx, out, off, 0); err != nil || n != len(out) {
			return fmt.Errorf("worker %d: write at %d: %d bytes, %v", w, off, n, err)
		}
		if n, err := f.ReadAtContext(ctx, in, off, 0); err != nil || n != len(in) {
			return fmt.Errorf("worker %d: read at %d: %d bytes, %v", w, off, n, err)
		}
		if err := testvm.Check(in, off, concurrentSeed(w)); err != nil {
			return fmt.Errorf("worker %d: %v", w, err)
		}
	}
	return nil
}
