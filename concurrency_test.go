package aio_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linuxaio/aio"
)

// Many goroutines share a Context with far fewer slots than goroutines: they
// wait for slots instead of failing, and every block is written and read
// back intact.
func TestManyGoroutinesSmallContext(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	for _, maxEvents := range []int{1, 4} {
		t.Run(strconv.Itoa(maxEvents), func(t *testing.T) {
			c := newContext(t, maxEvents)
			f := openTemp(t, c, dir, 0)
			const goroutines, rounds, block = 64, 4, 4096
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for g := range goroutines {
				wg.Go(func() {
					want, got := make([]byte, block), make([]byte, block)
					aligned := alignedCopy(want)
					readBuf := alignedCopy(got)
					for r := range rounds {
						off := int64((r*goroutines + g) * block)
						pattern(aligned, int(off))
						if _, err := f.WriteAt(aligned, off); err != nil {
							errs <- err
							return
						}
						if _, err := f.ReadAt(readBuf, off); err != nil {
							errs <- err
							return
						}
						if string(readBuf) != string(aligned) {
							errs <- errors.New("block " + strconv.FormatInt(off, 10) + " read back differs")
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// alignedCopy returns a 4096-aligned heap slice as long as b. Go heap memory
// works for O_DIRECT as long as it is aligned; the package keeps it alive and
// unmoved while the kernel uses it.
func alignedCopy(b []byte) []byte {
	raw := make([]byte, len(b)+4096)
	off := 0
	for (uintptrOf(raw)+uintptr(off))%4096 != 0 {
		off++
	}
	return raw[off : off+len(b) : off+len(b)]
}

// Close with requests in flight and goroutines waiting for slots: it must not
// hang, and every caller gets its result or ErrClosed.
func TestCloseWithIOInFlight(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c, err := aio.NewContext(4)
	if err != nil {
		t.Fatal(err)
	}
	f := openTemp(t, c, dir, 0)
	if _, err := f.WriteAt(pattern(newBuf(t, 1<<20), 9), 0); err != nil {
		t.Fatal(err)
	}

	var ok, closed atomic.Int64
	var wg sync.WaitGroup
	started := make(chan struct{})
	var once sync.Once
	for g := range 32 {
		buf := newBuf(t, 64<<10)
		wg.Go(func() {
			for i := 0; ; i++ {
				_, err := f.ReadAt(buf, int64((g+i)%16)*(64<<10))
				once.Do(func() { close(started) })
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, aio.ErrClosed):
					closed.Add(1)
					return
				default:
					t.Errorf("read during Close: %v", err)
					return
				}
			}
		})
	}
	<-started
	time.Sleep(20 * time.Millisecond)

	closeDone := make(chan error)
	go func() { closeDone <- c.Close() }()
	select {
	case err := <-closeDone:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close hung with I/O in flight")
	}
	wg.Wait()
	if closed.Load() != 32 {
		t.Fatalf("%d of 32 readers saw ErrClosed", closed.Load())
	}
	t.Logf("%d reads completed, then all 32 readers got ErrClosed", ok.Load())
}

// A call whose context is already done returns ctx.Err() without
// submitting anything.
func TestCancelBeforeSubmission(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 1)
	f := openTemp(t, c, dir, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n, err := f.WriteAtContext(ctx, pattern(newBuf(t, 4096), 1), 0, 0)
	if n != 0 || err != context.Canceled {
		t.Fatalf("write with a cancelled context = %d, %v; want 0, context.Canceled", n, err)
	}
	if st, err := os.Stat(f.Name()); err != nil || st.Size() != 0 {
		t.Fatalf("the cancelled write reached the file (size %d, %v)", st.Size(), err)
	}
}

// A call that waits for a slot gives up when its deadline passes.
func TestDeadlineWhileWaitingForSlot(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 1)
	f := openTemp(t, c, dir, 0)
	buf := newBuf(t, 4096)
	if _, err := f.WriteAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	// Keep the only slot busy.
	wg.Go(func() {
		b := newBuf(t, 4096)
		for {
			select {
			case <-stop:
				return
			default:
			}
			f.ReadAt(b, 0)
		}
	})
	deadlined := 0
	for range 200 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
		_, err := f.ReadAtContext(ctx, buf, 0, 0)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			deadlined++
		} else if err != nil {
			t.Fatalf("read with a deadline: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d of 200 reads hit their deadline, the rest completed", deadlined)
	if deadlined == 0 {
		t.Fatal("no read reported its deadline")
	}
}

// 128 reads in flight from 128 goroutines cost about GOMAXPROCS OS threads,
// not one thread per blocked read.
func TestThreadCountWith128ReadsInFlight(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 128)
	f := openTemp(t, c, dir, 0)
	const size = 8 << 20
	if _, err := f.WriteAt(pattern(newBuf(t, size), 1), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	before := threads(t)

	var wg sync.WaitGroup
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				if n := int64(threads(t)); n > peak.Load() {
					peak.Store(n)
				}
			}
		}
	}()
	var reads atomic.Int64
	for g := range 128 {
		buf := newBuf(t, 4096)
		wg.Go(func() {
			for i := range 50 {
				off := int64((g*50+i)*4096) % size
				if _, err := f.ReadAt(buf, off); err != nil {
					t.Error(err)
					return
				}
				reads.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	limit := runtime.GOMAXPROCS(0) + 8
	t.Logf("%d reads; OS threads: %d before, peak %d during (limit %d)", reads.Load(), before, peak.Load(), limit)
	if int(peak.Load()) > max(limit, before) {
		t.Fatalf("peak of %d OS threads with 128 reads in flight; want at most GOMAXPROCS+8 = %d", peak.Load(), limit)
	}
}

func threads(t testing.TB) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads line in /proc/self/status")
	return 0
}
