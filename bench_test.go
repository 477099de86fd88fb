package aio_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"testing"

	"github.com/linuxaio/aio"
)

// The benchmarks read 4 KiB blocks at random from a 64 MiB file in the test
// directory (AIO_TEST_DIR, or the temporary directory), with O_DIRECT.
const (
	benchFileSize = 64 << 20
	benchBlock    = 4096
)

func benchFile(b *testing.B, c *aio.Context) *aio.File {
	b.Helper()
	dir := testDir(b)
	f := openTemp(b, c, dir, 0)
	chunk := newBuf(b, 1<<20)
	for off := int64(0); off < benchFileSize; off += int64(len(chunk)) {
		if _, err := f.WriteAt(pattern(chunk, int(off)), off); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

func randomBlock(r *rand.Rand) int64 {
	return r.Int64N(benchFileSize/benchBlock) * benchBlock
}

// BenchmarkReadAt: 32 goroutines calling File.ReadAt on one Context.
func BenchmarkReadAt(b *testing.B) {
	c := newContext(b, 32)
	benchParallelReads(b, benchFile(b, c))
}

// BenchmarkReadAtNoWait is BenchmarkReadAt on a Context WithNoWait: what
// RWF_NOWAIT costs reads that never have to wait (O_DIRECT reads of a
// device with room in its queue).
func BenchmarkReadAtNoWait(b *testing.B) {
	c := newContext(b, 32, aio.WithNoWait(4))
	benchParallelReads(b, benchFile(b, c))
}

// BenchmarkOSFileReadAt is the baseline: 32 goroutines calling
// os.File.ReadAt (pread, one OS thread per blocked call) with O_DIRECT.
func BenchmarkOSFileReadAt(b *testing.B) {
	c := newContext(b, 1)
	name := benchFile(b, c).Name()
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_DIRECT, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	benchParallelReads(b, f)
}

// BenchmarkReadAtMisaligned: what a copy through aligned memory costs. One
// goroutine reads 4 KiB at random with ReadAt: at aligned offsets into
// aligned memory (zero-copy), and 100 bytes off both (a covering read of
// two blocks, then a copy).
func BenchmarkReadAtMisaligned(b *testing.B) {
	c := newContext(b, 4)
	f := benchFile(b, c)
	for _, shift := range []int{0, 100} {
		b.Run(fmt.Sprintf("shift=%d", shift), func(b *testing.B) {
			buf := newBuf(b, 2*benchBlock)[shift : shift+benchBlock]
			r := rand.New(rand.NewPCG(1, 2))
			b.SetBytes(benchBlock)
			b.ReportAllocs()
			for b.Loop() {
				off := randomBlock(r) % (benchFileSize - 2*benchBlock)
				if _, err := f.ReadAt(buf, off+int64(shift)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchParallelReads reads random blocks of f from 32 goroutines.
func benchParallelReads(b *testing.B, f io.ReaderAt) {
	b.SetBytes(benchBlock)
	b.ReportAllocs()
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := newBuf(b, benchBlock)
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			if _, err := f.ReadAt(buf, randomBlock(r)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkBatch: one goroutine keeping 128 requests in flight with Submit
// and Wait, reaping from the user-space ring or with io_getevents.
func BenchmarkBatch(b *testing.B) {
	for _, mode := range reapingModes {
		b.Run(mode.name, func(b *testing.B) { benchBatch(b, 128, mode.opts...) })
	}
}

func benchBatch(b *testing.B, depth int, opts ...aio.Option) {
	c := newContext(b, depth, opts...)
	f := benchFile(b, c)
	r := rand.New(rand.NewPCG(3, 4))
	mem := newBuf(b, depth*benchBlock)
	reqs := make([]*aio.Request, depth)
	for i := range reqs {
		reqs[i] = &aio.Request{File: f, Op: aio.OpRead, Buf: mem[i*benchBlock : (i+1)*benchBlock]}
	}
	done := make([]*aio.Request, depth)
	ctx := context.Background()
	b.SetBytes(benchBlock)
	b.ReportAllocs()
	b.ResetTimer()

	inFlight := 0
	submitted := 0
	for _, req := range reqs[:min(depth, b.N)] {
		req.Offset = randomBlock(r)
	}
	n, err := c.Submit(reqs[:min(depth, b.N)]...)
	if err != nil {
		b.Fatal(err)
	}
	inFlight, submitted = n, n
	for inFlight > 0 {
		got, err := c.Wait(ctx, done, 1)
		if err != nil {
			b.Fatal(err)
		}
		inFlight -= got
		again := done[:0]
		for _, req := range done[:got] {
			if req.Err != nil {
				b.Fatal(req.Err)
			}
			if submitted < b.N {
				req.Offset = randomBlock(r)
				again = append(again, req)
				submitted++
			}
		}
		if len(again) > 0 {
			if _, err := c.Submit(again...); err != nil {
				b.Fatal(err)
			}
			inFlight += len(again)
		}
	}
}
