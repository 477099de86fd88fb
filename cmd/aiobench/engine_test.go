package main

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// commandEnv, set to 1, makes the test binary act as aiobench itself, so
// that the child runs of the tests below execute the code under test.
const commandEnv = "AIOBENCH_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(commandEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// directIOFile returns a 1 MiB file, filled, in a temporary directory that
// supports O_DIRECT, or skips the test.
func directIOFile(t *testing.T) target {
	t.Helper()
	cfg := &config{file: filepath.Join(t.TempDir(), "target"), size: 1 << 20, blockSize: 4096}
	tgt, _, err := prepareTarget(cfg)
	if errors.Is(err, errNoDirectIO) {
		t.Skipf("the temporary directory does not support O_DIRECT: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tgt
}

func TestGoEnginesRun(t *testing.T) {
	tgt := directIOFile(t)
	engines := []string{"aio", "aio-batch", "pread"}
	if geteventsAvailable {
		engines = append(engines, "getevents")
	}
	for _, engine := range engines {
		for _, pattern := range []string{"randread", "read", "randwrite", "randrw"} {
			t.Run(engine+"/"+pattern, func(t *testing.T) {
				w, err := newWorkload(pattern, 4096, tgt.Size, 50)
				if err != nil {
					t.Fatal(err)
				}
				j := job{engine: engine, path: tgt.Path, workload: w, queueDepth: 4, runtime: 100 * time.Millisecond}
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

// TestFioEngineRuns runs fio as both fio engines do. make test installs fio
// first, so the skip is for go test on a machine without it.
func TestFioEngineRuns(t *testing.T) {
	fio, err := exec.LookPath("fio")
	if err != nil {
		t.Skip("fio is not installed (make test installs it)")
	}
	tgt := directIOFile(t)
	for _, pattern := range []string{"randread", "randrw"} {
		w, err := newWorkload(pattern, 4096, tgt.Size, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, engine := range []string{"fio", "fio-best"} {
			j := job{engine: engine, path: tgt.Path, workload: w, queueDepth: 8, runtime: 200 * time.Millisecond}
			res, err := runFio(context.Background(), j, fio, progressOutput{})
			if err != nil {
				t.Fatalf("%s %s: %v", engine, pattern, err)
			}
			checkResult(t, res, engine, 8)
			checkDirections(t, res, w.mixed())
		}
	}
}

func TestGoEngineStopsWhenCancelled(t *testing.T) {
	tgt := directIOFile(t)
	w, err := newWorkload("randread", 4096, tgt.Size, 50)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	j := job{engine: "aio", path: tgt.Path, workload: w, queueDepth: 2, runtime: time.Hour}
	if _, err := measureGoEngine(ctx, j, progressOutput{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the run took %v to notice the cancelled context", d)
	}
}

func TestBatchLoopDoesNotAllocate(t *testing.T) {
	tgt := directIOFile(t)
	w, err := newWorkload("randread", 4096, tgt.Size, 50)
	if err != nil {
		t.Fatal(err)
	}
	loop, err := openAIOBatch(job{engine: "aio-batch", path: tgt.Path, workload: w, queueDepth: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer loop.close()
	m := newMeter(8, w.reads(), w.writes())
	time.AfterFunc(200*time.Millisecond, func() { m.stop.Store(true) })
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := loop.run(m); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	ios := m.completed()
	// A few allocations come from outside the loop (the timer, the stream).
	if allocs := after.Mallocs - before.Mallocs; float64(allocs) > 20+0.001*float64(ios) {
		t.Errorf("%d allocations for %d I/Os; the batch loop should not allocate per I/O", allocs, ios)
	}
}

func checkResult(t *testing.T, res result, engine string, qd int) {
	t.Helper()
	checkResultOfBlocks(t, res, engine, qd, 4096)
}

// checkResultOfBlocks checks a result of I/Os of blockSize bytes each; its
// MB/s must follow from its IOPS.
func checkResultOfBlocks(t *testing.T, res result, engine string, qd, blockSize int) {
	t.Helper()
	if res.Engine != engine || res.QueueDepth != qd {
		t.Errorf("result is for %s at qd %d, want %s at %d", res.Engine, res.QueueDepth, engine, qd)
	}
	if res.IOs <= 0 || res.Bytes != res.IOs*int64(blockSize) || res.IOPS <= 0 || res.MBPerSecond <= 0 || res.Seconds <= 0 {
		t.Errorf("counts: %+v", res)
	}
	if want := res.IOPS * float64(blockSize) / 1e6; math.Abs(res.MBPerSecond-want) > 0.01*want {
		t.Errorf("%.1f MB/s at %.0f IOPS of %d bytes; want %.1f", res.MBPerSecond, res.IOPS, blockSize, want)
	}
	if !(0 < res.LatencyP50 && res.LatencyP50 <= res.LatencyP99 && res.LatencyP99 <= res.LatencyP999) {
		t.Errorf("latency percentiles out of order: p50 %v, p99 %v, p99.9 %v", res.LatencyP50, res.LatencyP99, res.LatencyP999)
	}
	if res.CPUSeconds <= 0 || res.CPUPerIO <= 0 {
		t.Errorf("CPU %v s, %v µs per I/O; want both positive", res.CPUSeconds, res.CPUPerIO)
	}
	if res.PeakThreads < 1 {
		t.Errorf("peak threads = %d", res.PeakThreads)
	}
	// The machine's busy time includes the engine's own. /proc/stat
	// counts it by sampling at each tick, so a short run can see none at
	// all and a longer one a good deal less or more: it must come to half
	// the engine's own, less two ticks of each CPU.
	slack := 2 * float64(runtime.NumCPU()) / userHZ
	if res.MachineCPUSeconds < 0 || res.MachineCPUSeconds < res.CPUSeconds/2-slack ||
		math.Abs(res.MachineCPUPerIO-res.MachineCPUSeconds/float64(res.IOs)*1e6) > 1e-6*res.MachineCPUPerIO {
		t.Errorf("machine CPU %v s (%v µs per I/O), with the engine's own %v s", res.MachineCPUSeconds, res.MachineCPUPerIO, res.CPUSeconds)
	}
}

// checkDirections checks that a result splits its I/O into reads and writes
// that add up to the whole when the workload mixes them, and has no split
// otherwise.
func checkDirections(t *testing.T, res result, mixed bool) {
	t.Helper()
	if !mixed {
		if res.Read != nil || res.Write != nil {
			t.Errorf("a single-direction run reports directions: read %+v, write %+v", res.Read, res.Write)
		}
		return
	}
	if res.Read == nil || res.Write == nil {
		t.Fatalf("a mixed run lacks a direction: read %+v, write %+v", res.Read, res.Write)
	}
	if res.Read.IOs+res.Write.IOs != res.IOs || res.Read.Bytes+res.Write.Bytes != res.Bytes {
		t.Errorf("reads (%d, %d bytes) and writes (%d, %d bytes) do not add up to the run's %d I/Os, %d bytes",
			res.Read.IOs, res.Read.Bytes, res.Write.IOs, res.Write.Bytes, res.IOs, res.Bytes)
	}
	if !near(res.Read.IOPS+res.Write.IOPS, res.IOPS) {
		t.Errorf("read IOPS %v + write IOPS %v != IOPS %v", res.Read.IOPS, res.Write.IOPS, res.IOPS)
	}
	for name, d := range map[string]*directionResult{"read": res.Read, "write": res.Write} {
		if d.IOs == 0 || !(0 < d.LatencyP50 && d.LatencyP50 <= d.LatencyP99 && d.LatencyP99 <= d.LatencyP999) || d.LatencyMean <= 0 {
			t.Errorf("%s: %+v; want I/Os and ordered latency percentiles", name, d)
		}
	}
}
