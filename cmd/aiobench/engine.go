package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A job is one measured run: which engine, on what, with what workload.
type job struct {
	engine     string
	path       string
	workload   *workload
	queueDepth int
	runtime    time.Duration
	dsync      bool // every write durable (-sync dsync); see durability.go
}

// An ioLoop is a Go engine made ready for one run: files open and buffers
// allocated, so that none of that counts in the measurement.
type ioLoop interface {
	// run issues I/O until m says stop, waits for the I/O still in flight
	// and records every completion in m. It returns the first I/O error,
	// after which it stops.
	run(m *meter) error
	// close releases the files and buffers.
	close() error
}

// goEngines opens the Go engines by name.
var goEngines = map[string]func(job) (ioLoop, error){
	"aio":           openAIOGoroutines,
	"aio-batch":     openAIOBatch,
	"aio-stream":    openAIOStream,
	"getevents":     openGetevents,
	"pread":         openPreadGoroutines,
	fdatasyncEngine: openFdatasyncGoroutines,
}

// errGeteventsUnavailable says why the getevents engine does not run on
// this architecture.
var errGeteventsUnavailable = errors.New("the getevents engine knows the iocb layout of 64-bit little-endian Linux only " +
	"(amd64, arm64, riscv64, ppc64le, loong64, mips64le)")

// measureGoEngine runs a Go engine in this process for j.runtime, or until
// ctx is done, and measures it. CPU time and OS threads are the whole
// process's, as a program using the engine would see them.
func measureGoEngine(ctx context.Context, j job, progress progressOutput) (result, error) {
	open, ok := goEngines[j.engine]
	if !ok {
		return result{}, fmt.Errorf("engine %q does not run in Go", j.engine)
	}
	loop, err := open(j)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", j.engine, err)
	}
	res, runErr := measure(ctx, j, loop, progress)
	if err := errors.Join(runErr, loop.close()); err != nil {
		return result{}, fmt.Errorf("%s: %w", j.engine, err)
	}
	return res, nil
}

// measure runs loop and takes the measurements around it.
func measure(ctx context.Context, j job, loop ioLoop, progress progressOutput) (result, error) {
	m := newMeter(j.queueDepth, j.workload.reads(), j.workload.writes())
	threads := startSelfThreadSampler()
	cpuBefore, err := processCPUTime()
	if err != nil {
		threads.finish()
		return result{}, err
	}
	machineBefore, err := machineCPUTime()
	if err != nil {
		threads.finish()
		return result{}, err
	}
	start := time.Now()
	line := progress.start(func() string {
		seconds := time.Since(start).Seconds()
		ios := float64(m.completed())
		return fmt.Sprintf("%s qd=%d  %4.1fs/%v  %8.0f IOPS  %7.1f MB/s", j.engine, j.queueDepth, seconds, j.runtime,
			ios/seconds, ios*float64(j.workload.blockSize)/seconds/1e6)
	})
	stopTimer := time.AfterFunc(j.runtime, func() { m.stop.Store(true) })
	stopOnCancel := context.AfterFunc(ctx, func() { m.stop.Store(true) })

	runErr := loop.run(m)

	elapsed := time.Since(start)
	cpuAfter, cpuErr := processCPUTime()
	machineAfter, machineErr := machineCPUTime()
	stopTimer.Stop()
	stopOnCancel()
	line.finish()
	peakThreads := threads.finish()
	if err := errors.Join(runErr, cpuErr, machineErr, ctx.Err()); err != nil {
		return result{}, err
	}

	reads, writes := m.latency(false), m.latency(true)
	var latency latencyHistogram
	latency.merge(reads)
	latency.merge(writes)
	summary := latency.summary()
	res := result{
		Engine:      j.engine,
		QueueDepth:  j.queueDepth,
		IOs:         int64(latency.count()),
		Bytes:       int64(latency.count()) * int64(j.workload.blockSize),
		Seconds:     elapsed.Seconds(),
		LatencyMean: microseconds(summary.Mean),
		LatencyP50:  microseconds(summary.P50),
		LatencyP99:  microseconds(summary.P99),
		LatencyP999: microseconds(summary.P999),
		CPUSeconds:  (cpuAfter - cpuBefore).Seconds(),
		PeakThreads: peakThreads,

		MachineCPUSeconds: (machineAfter - machineBefore).Seconds(),
	}
	res.setRates()
	if j.workload.mixed() {
		res.Read = newDirectionResult(reads, j.workload.blockSize, res.Seconds)
		res.Write = newDirectionResult(writes, j.workload.blockSize, res.Seconds)
	}
	return res, nil
}
