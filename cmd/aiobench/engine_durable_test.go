package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// goEngineNames returns the Go engines that run on this architecture,
// pwrite+fdatasync included if withFdatasync is set.
func goEngineNames(withFdatasync bool) []string {
	engines := []string{"aio", "aio-batch", "pread"}
	if geteventsAvailable {
		engines = append(engines, "getevents")
	}
	if withFdatasync {
		engines = append(engines, fdatasyncEngine)
	}
	return engines
}

// directIOFileOfSize is directIOFile with size bytes.
func directIOFileOfSize(t *testing.T, size int64) target {
	t.Helper()
	cfg := &config{file: filepath.Join(t.TempDir(), "target"), size: size, blockSize: 4096}
	tgt, _, err := prepareTarget(cfg)
	if errors.Is(err, errNoDirectIO) {
		t.Skipf("the temporary directory does not support O_DIRECT: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tgt
}

func TestDurableEnginesRun(t *testing.T) {
	tgt := directIOFile(t)
	for _, engine := range goEngineNames(true) {
		for _, pattern := range []string{"randwrite", "write", "randrw"} {
			t.Run(engine+"/"+pattern, func(t *testing.T) {
				w, err := newWorkload(pattern, 4096, tgt.Size, 50)
				if err != nil {
					t.Fatal(err)
				}
				j := job{engine: engine, path: tgt.Path, workload: w, queueDepth: 4, runtime: 100 * time.Millisecond, dsync: true}
				res, err := measureGoEngine(context.Background(), j, progressOutput{})
				if err != nil {
					t.Fatal(err)
				}
				checkResult(t, res, engine, 4)
				checkDirections(t, res, w.mixed())
			})
		}
	}
}

// TestLargeBlockEnginesRun runs every Go engine with 1 MiB sequential and
// random reads and writes: all must work, and report the MB/s that their
// I/Os moved.
func TestLargeBlockEnginesRun(t *testing.T) {
	const bs = 1 << 20
	tgt := directIOFileOfSize(t, 8*bs)
	for _, engine := range goEngineNames(false) {
		for _, pattern := range []string{"read", "write", "randwrite"} {
			t.Run(engine+"/"+pattern, func(t *testing.T) {
				w, err := newWorkload(pattern, bs, tgt.Size, 50)
				if err != nil {
					t.Fatal(err)
				}
				j := job{engine: engine, path: tgt.Path, workload: w, queueDepth: 4, runtime: 100 * time.Millisecond}
				res, err := measureGoEngine(context.Background(), j, progressOutput{})
				if err != nil {
					t.Fatal(err)
				}
				checkResultOfBlocks(t, res, engine, 4, bs)
			})
		}
	}
}

func TestFdatasyncEngineNeedsDSync(t *testing.T) {
	t.Parallel()
	tgt := directIOFile(t)
	for _, tc := range []struct {
		pattern string
		dsync   bool
	}{{"randwrite", false}, {"randread", true}} {
		w, err := newWorkload(tc.pattern, 4096, tgt.Size, 50)
		if err != nil {
			t.Fatal(err)
		}
		loop, err := openFdatasyncGoroutines(job{engine: fdatasyncEngine, path: tgt.Path, workload: w, queueDepth: 2, dsync: tc.dsync})
		if err == nil {
			loop.close()
			t.Errorf("%s with dsync %v opened; want it refused", tc.pattern, tc.dsync)
		}
	}
}

// TestFdatasyncFileSyncsEachWrite checks that a write through the
// pwrite+fdatasync engine's file is followed by exactly one fdatasync, and
// that a failed write is not.
func TestFdatasyncFileSyncsEachWrite(t *testing.T) {
	t.Parallel()
	tgt := directIOFile(t)
	f, err := os.OpenFile(tgt.Path, os.O_RDWR|unix.O_DIRECT, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	real := newFdatasyncFile(f)
	syncs := 0
	file := &fdatasyncFile{File: f, datasync: func() error { syncs++; return real.datasync() }}
	buf := aio.AlignedBytes(4096)
	copy(buf, "durable")
	if n, err := file.WriteAt(buf, 8192); err != nil || n != len(buf) {
		t.Fatalf("WriteAt = %d, %v", n, err)
	}
	if syncs != 1 {
		t.Errorf("%d fdatasyncs after one write, want 1", syncs)
	}
	// O_DIRECT refuses a misaligned offset: no fdatasync for that.
	if _, err := file.WriteAt(buf, 100); err == nil {
		t.Error("a misaligned O_DIRECT write succeeded")
	}
	if syncs != 1 {
		t.Errorf("%d fdatasyncs after a failed write, want still 1", syncs)
	}
	data, err := os.ReadFile(tgt.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got := data[8192 : 8192+7]; !bytes.Equal(got, []byte("durable")) {
		t.Errorf("the file holds %q at 8192, want what was written", got)
	}
}

// TestDSyncReachesEveryEngine opens each Go engine with and without -sync
// dsync and checks where each puts the request for durability: the flag on
// every write request, none on reads, O_DSYNC on the pread engine's file.
func TestDSyncReachesEveryEngine(t *testing.T) {
	t.Parallel()
	tgt := directIOFile(t)
	w, err := newWorkload("randrw", 4096, tgt.Size, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, dsync := range []bool{false, true} {
		j := job{path: tgt.Path, workload: w, queueDepth: 4, dsync: dsync}

		j.engine = "aio-batch"
		loop, err := openAIOBatch(j)
		if err != nil {
			t.Fatal(err)
		}
		b := loop.(*batchLoop)
		stream := w.newStream(1)
		reads, writes := 0, 0
		for range 200 {
			r := b.aim(&b.requests[0], stream)
			want := aio.Flags(0)
			if r.Op == aio.OpWrite {
				writes++
				if dsync {
					want = aio.FlagDSync
				}
			} else {
				reads++
			}
			if r.Flags != want {
				t.Fatalf("aio-batch, dsync %v: %v request with flags %v, want %v", dsync, r.Op, r.Flags, want)
			}
		}
		if reads == 0 || writes == 0 {
			t.Fatalf("200 randrw requests: %d reads, %d writes", reads, writes)
		}
		loop.close()

		j.engine = "aio"
		loop, err = openAIOGoroutines(j)
		if err != nil {
			t.Fatal(err)
		}
		if _, durable := loop.(*goroutineLoop).file.(durableAIOFile); durable != dsync {
			t.Errorf("aio, dsync %v: the file is %T", dsync, loop.(*goroutineLoop).file)
		}
		loop.close()

		j.engine = "pread"
		loop, err = openPreadGoroutines(j)
		if err != nil {
			t.Fatal(err)
		}
		flags, err := unix.FcntlInt(loop.(*goroutineLoop).file.(*os.File).Fd(), unix.F_GETFL, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := flags&unix.O_DSYNC == unix.O_DSYNC; got != dsync {
			t.Errorf("pread, dsync %v: the file's O_DSYNC is %v (flags %#x)", dsync, got, flags)
		}
		loop.close()

		if dsync {
			j.engine = fdatasyncEngine
			loop, err = openFdatasyncGoroutines(j)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := loop.(*goroutineLoop).file.(*fdatasyncFile); !ok {
				t.Errorf("pwrite+fdatasync writes through %T", loop.(*goroutineLoop).file)
			}
			loop.close()
		}
	}
}
