package main

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A driven is what drive measured: the operations of the measured time,
// their latencies, sorted, the process's CPU time and its peak of OS
// threads over it.
type driven struct {
	ops       int64
	elapsed   time.Duration
	cpu       time.Duration
	threads   int
	latencies []time.Duration
	pageCache int64 // the cgroup's page cache as the measured time ended, or -1
}

// drive runs n goroutines, each calling the operation newOp returned for
// it until it fails or drive stops it, for a second of warm-up and then
// runtime, and measures the operations that complete in the measured time.
// mark is called as the measured time begins and as it ends (with false
// and true), for the caller's own figures. It returns the first error of
// an operation, once every goroutine has stopped.
func drive(runtime time.Duration, n int, newOp func(g int) func() error, mark func(end bool)) (driven, error) {
	var measuring, stop atomic.Bool
	var failed atomic.Pointer[error]
	lat := make([][]time.Duration, n)
	counts := make([]int64, n)
	var wg sync.WaitGroup
	for g := range n {
		op := newOp(g)
		wg.Go(func() {
			var samples []time.Duration
			var done int64
			for !stop.Load() {
				t := time.Now()
				if err := op(); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				if measuring.Load() {
					samples = append(samples, time.Since(t))
					done++
				}
			}
			lat[g], counts[g] = samples, done
		})
	}
	time.Sleep(time.Second)
	peak := startThreadSampler()
	cpu0 := cpuTime()
	mark(false)
	start := time.Now()
	measuring.Store(true)
	time.Sleep(runtime)
	measuring.Store(false)
	d := driven{elapsed: time.Since(start), cpu: cpuTime() - cpu0, pageCache: pageCacheBytes()}
	mark(true)
	d.threads = peak()
	stop.Store(true)
	wg.Wait()
	if p := failed.Load(); p != nil {
		return d, *p
	}
	for _, c := range counts {
		d.ops += c
	}
	d.latencies = slices.Concat(lat...)
	slices.Sort(d.latencies)
	return d, nil
}

// result returns the result of a run of kind with n goroutines that drive
// measured; its per-operation figures are left zero if no operation
// completed.
func (d driven) result(kind string, n int) result {
	r := result{FS: kind, Readers: n, Elapsed: d.elapsed, Threads: d.threads, Ops: d.ops, PageCacheMiB: -1}
	if d.pageCache >= 0 {
		r.PageCacheMiB = float64(d.pageCache) / (1 << 20)
	}
	if d.ops > 0 {
		r.P50, r.P99, r.P999 = percentile(d.latencies, 0.50), percentile(d.latencies, 0.99), percentile(d.latencies, 0.999)
		r.CPUPerOp = d.cpu / time.Duration(d.ops)
	}
	return r
}
