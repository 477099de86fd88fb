package guesttest

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// The reads of TestFaultInjection's batch: faultReads blocks of faultBlock
// bytes from faultRegion on, one every faultStride bytes. No two are
// adjacent, so the kernel cannot merge a read that fails with a good one
// into one device request, which would fail both.
const (
	faultRegion = 1 << 20
	faultReads  = 64
	faultBlock  = 4096
	faultStride = 2 * faultBlock
)

// faultWriteSeed is the pattern seed of TestFaultInjection's writes.
const faultWriteSeed = 0xfa17

// TestFaultInjection reads and writes the faulty disk, where the device fails
// I/O on a few sectors: the requests that touch them must fail with an
// error that matches EIO and says which file and offset, every other
// request, in the same batch too, must succeed with the right data, and the
// Context must keep working, with both ways of reaping completions.
func TestFaultInjection(t *testing.T) {
	guest.SkipIfNotInVM(t)
	dev := findDisk(t, testvm.Faulty)

	failing := 0
	for i := range faultReads {
		if testvm.ReadFails(faultOffset(i), faultBlock) {
			failing++
		}
	}
	if failing != len(testvm.FaultyReadSectors) {
		t.Fatalf("%d of the batch's reads touch a faulty sector, want one per sector (%d): the batch does not cover testvm.FaultyReadSectors",
			failing, len(testvm.FaultyReadSectors))
	}

	modes := []struct {
		name string
		opts []aio.Option
	}{
		{"ring", nil},
		{"io_getevents", []aio.Option{aio.WithSyscallReaping()}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newContext(t, faultReads, m.opts...)
			f := openFile(t, c, dev, os.O_RDONLY)
			t.Run("batch", func(t *testing.T) { faultyBatch(t, c, f) })
			t.Run("ReadAt", func(t *testing.T) { faultyReadAt(t, f) })
			// After the errors, the Context must still do I/O, in batches
			// and in calls.
			t.Run("afterwards", func(t *testing.T) {
				goodBatch(t, c, f)
				p := newBuf(t, 64<<10)
				n, err := f.ReadAt(p, 0)
				checkIO(t, "ReadAt", n, err, len(p))
				checkData(t, "ReadAt", p, 0, testvm.ImageSeed)
			})
		})
	}

	t.Run("WriteAt", func(t *testing.T) {
		c := newContext(t, 4)
		faultyWriteAt(t, openFile(t, c, dev, os.O_RDWR))
	})
}

func faultOffset(i int) int64 { return faultRegion + int64(i)*faultStride }

// faultyBatch submits all of the batch's reads at once and checks each.
func faultyBatch(t *testing.T, c *aio.Context, f *aio.File) {
	buf := newBuf(t, faultReads*faultBlock)
	for i := range buf {
		buf[i] = sentinel
	}
	reqs := make([]*aio.Request, faultReads)
	for i := range reqs {
		reqs[i] = &aio.Request{
			File:   f,
			Op:     aio.OpRead,
			Buf:    buf[i*faultBlock : (i+1)*faultBlock],
			Offset: faultOffset(i),
			Tag:    uint64(i),
		}
	}
	done := waitAll(t, c, reqs)

	failed := 0
	for _, r := range done {
		what := fmt.Sprintf("read of %d bytes at offset %d", len(r.Buf), r.Offset)
		if testvm.ReadFails(r.Offset, int64(len(r.Buf))) {
			failed++
			if err := checkIOError(r.Err, syscall.EIO, "read", f.Name(), r.Offset); err != nil {
				t.Errorf("%s, which touches a faulty sector: %v", what, err)
			} else {
				t.Logf("%s: %v", what, r.Err)
			}
			continue
		}
		if r.Err != nil || r.N != len(r.Buf) {
			t.Errorf("%s: %d bytes, %v; want %d bytes and no error", what, r.N, r.Err, len(r.Buf))
			continue
		}
		if err := testvm.Check(r.Buf, r.Offset, testvm.ImageSeed); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	if failed != len(testvm.FaultyReadSectors) {
		t.Errorf("%d of the batch's requests touch a faulty sector, want %d", failed, len(testvm.FaultyReadSectors))
	}
}

// waitAll submits reqs in one Submit and waits until Wait has returned each
// of them exactly once; see collect.
func waitAll(t *testing.T, c *aio.Context, reqs []*aio.Request) []*aio.Request {
	t.Helper()
	if n, err := c.Submit(reqs...); n != len(reqs) || err != nil {
		t.Fatalf("Submit: %d of %d requests accepted, %v", n, len(reqs), err)
	}
	return collect(t, c, reqs)
}

// collect waits until Wait has returned each of the submitted requests reqs
// exactly once, and nothing else, and returns them in the order of their
// tags, which must be their indexes in reqs.
func collect(t *testing.T, c *aio.Context, reqs []*aio.Request) []*aio.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	got := make([]*aio.Request, len(reqs))
	out := make([]*aio.Request, len(reqs))
	for left := len(reqs); left > 0; {
		n, err := c.Wait(ctx, out[:left], left)
		for _, r := range out[:n] {
			if r.Tag >= uint64(len(reqs)) || reqs[r.Tag] != r || got[r.Tag] != nil {
				t.Fatalf("Wait returned a request (tag %d) that is not one of those in flight", r.Tag)
			}
			got[r.Tag] = r
		}
		left -= n
		if err != nil {
			t.Fatalf("Wait, with %d requests in flight: %v", left, err)
		}
	}
	return got
}

// faultyReadAt reads with File.ReadAt at and around each faulty sector.
func faultyReadAt(t *testing.T, f *aio.File) {
	p := newBuf(t, 64<<10)
	const sector = testvm.SectorSize
	for _, s := range testvm.FaultyReadSectors {
		block := s * sector &^ (faultBlock - 1)
		reads := []struct{ off, n int64 }{
			{s * sector, sector},
			{block, faultBlock},
			{s * sector &^ (64<<10 - 1), 64 << 10}, // more than one block, and a faulty one
			{(s - 1) * sector, sector},
			{(s + 1) * sector, sector},
			{block - faultBlock, faultBlock},
			{block + faultBlock, faultBlock},
		}
		for _, r := range reads {
			what := fmt.Sprintf("ReadAt of %d bytes at offset %d", r.n, r.off)
			b := p[:r.n]
			n, err := f.ReadAt(b, r.off)
			if testvm.ReadFails(r.off, r.n) {
				if err := checkIOError(err, syscall.EIO, "read", f.Name(), r.off); err != nil {
					t.Errorf("%s, which touches faulty sector %d: %v", what, s, err)
				}
				continue
			}
			checkIO(t, what, n, err, len(b))
			checkData(t, what, b, r.off, testvm.ImageSeed)
		}
	}
}

// goodBatch reads, in one batch, blocks of the faulty disk that touch no
// faulty sector and checks them.
func goodBatch(t *testing.T, c *aio.Context, f *aio.File) {
	const reads = 16
	buf := newBuf(t, reads*faultBlock)
	reqs := make([]*aio.Request, reads)
	for i := range reqs {
		// Between and right next to the faulty reads of the batch.
		off := faultOffset(i) + faultBlock
		if testvm.ReadFails(off, faultBlock) {
			t.Fatalf("the block at %d touches a faulty sector", off)
		}
		reqs[i] = &aio.Request{File: f, Op: aio.OpRead, Buf: buf[i*faultBlock : (i+1)*faultBlock], Offset: off, Tag: uint64(i)}
	}
	for _, r := range waitAll(t, c, reqs) {
		what := fmt.Sprintf("read at offset %d", r.Offset)
		checkIO(t, what, r.N, r.Err, len(r.Buf))
		checkData(t, what, r.Buf, r.Offset, testvm.ImageSeed)
	}
}

// faultyWriteAt writes at and around each sector where writes fail, and
// reads back what the disk holds then.
func faultyWriteAt(t *testing.T, f *aio.File) {
	p := newBuf(t, 2*faultBlock)
	out, in := p[:faultBlock], p[faultBlock:]
	for _, s := range testvm.FaultyWriteSectors {
		block := s * testvm.SectorSize &^ (faultBlock - 1)
		for _, off := range []int64{block, block - faultBlock, block + faultBlock} {
			what := fmt.Sprintf("WriteAt of %d bytes at offset %d", len(out), off)
			testvm.Fill(out, off, faultWriteSeed)
			n, err := f.WriteAt(out, off)
			seed := uint16(faultWriteSeed)
			if testvm.WriteFails(off, int64(len(out))) {
				if err := checkIOError(err, syscall.EIO, "write", f.Name(), off); err != nil {
					t.Errorf("%s, which touches faulty sector %d: %v", what, s, err)
				}
				// The device failed the write: nothing of it may have
				// reached the disk.
				seed = testvm.ImageSeed
			} else {
				checkIO(t, what, n, err, len(out))
			}
			n, err = f.ReadAt(in, off)
			checkIO(t, "ReadAt after "+what, n, err, len(in))
			checkData(t, "ReadAt after "+what, in, off, seed)
		}
	}
}
