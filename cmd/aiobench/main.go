// Command aiobench measures O_DIRECT reads and writes from Go, as fio does
// from C, to answer storage questions about the aio package: how many IOPS,
// at what latency, for how much CPU and how many OS threads, next to plain
// goroutines calling os.File.ReadAt and next to fio itself.
//
// Run without flags, it compares for 4 s each, on a 64 MiB temporary file
// in the current directory (or -dir), 4 KiB random reads with 32 in flight
// through the aio package's goroutine API (aio) and batch API (aio-batch),
// through plain Go's pool of goroutines calling os.File.ReadAt (pread), and
// through fio if it is installed; under the table, a line explains each
// engine and column, and a sentence made of the measured ratios sums up
// the comparison (-explain). See aiobench -help for the flags; -compare
// runs every engine and fio side by side, -qd 1,8,32,128 sweeps queue
// depths, -rounds N repeats the runs alternately and reports medians, -goals
// adds a table of ratios between engines (the median of the per-round
// ratios, with their min–max over rounds) and a PASS/MISS verdict on each
// of the aio package's performance goals, those of the kind of workload
// measured: 4 KiB random I/O (IOPS and CPU per I/O), 1 MiB blocks (MB/s),
// or durable writes.
//
// -plot FILE draws the sweep as PNG or SVG. The plotting code needs
// gonum.org/v1/plot and its fonts, so it is built only with the plot tag,
// and a plain build downloads none of it:
//
//	go run -tags plot . -qd 1,8,32,128 -compare -plot sweep.png
//
// With -sync dsync every write is durable before it completes (RWF_DSYNC
// for the aio engines, O_DSYNC for pread and fio), and one more engine,
// pwrite+fdatasync, writes as Go programs do durable writes today: a
// pwrite, then fdatasync. With -log, aiobench compares instead the two
// group-commit logs of examples/wal, wal.Log on the aio package against
// wal.GroupCommitLog on os.File.Write and fdatasync, over numbers of
// appending goroutines (-writers) and record sizes (-record).
//
// Two engines are there to be beaten rather than used. getevents is the
// plainest Go program over kernel AIO, written from the kernel's UAPI
// without the aio package: one goroutine submits every free iocb in one
// io_submit and sleeps in io_getevents (a blocking system call, not the
// runtime poller) until at least one completes; aio-batch must do better.
// fio-best is fio's libaio engine at its best for the depth: fio submits
// the whole depth in one io_submit and takes up to the whole depth back
// from each io_getevents (--iodepth_batch_submit=QD
// --iodepth_batch_complete_min=1 --iodepth_batch_complete_max=QD), where
// plain fio, as most people run it, submits one I/O per call. fio's
// --userspace_reap, which reads completions from the kernel's ring without
// a system call, works only with --iodepth_batch_complete_min=0, which
// spins; fioBestSettings records the settings tried and what they gave.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit status: 0 on success, 1 if
// the benchmark failed, 2 for a bad command line (reported on one line,
// before anything is measured) or a -probe path that cannot be probed, 130
// when interrupted.
func run(args []string, stdout io.Writer, stderr *os.File) int {
	cfg, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "aiobench: %v; run aiobench -help for the flags\n", err)
		return 2
	}
	if cfg.probePath != "" {
		return runProbe(cfg.probePath, stdout, stderr)
	}
	if err := cfg.checkPaths(); err != nil {
		fmt.Fprintf(stderr, "aiobench: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
	defer stop()
	progress := progressOutput{file: stderr, label: os.Getenv(progressLabelEnv)}
	rep, err := benchmark(ctx, cfg, progress)
	if err == nil {
		if cfg.jsonOutput {
			err = rep.writeJSON(stdout)
		} else {
			err = rep.writeText(stdout)
		}
	}
	if err == nil && cfg.savePath != "" {
		err = rep.save(cfg.savePath)
	}
	if err == nil && cfg.plotPath != "" {
		err = writePlot(cfg.plotPath, rep)
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "aiobench: interrupted")
		return 130
	case err != nil:
		fmt.Fprintf(stderr, "aiobench: %v\n", err)
		return 1
	case cfg.strict && missed(rep.Goals) > 0:
		fmt.Fprintf(stderr, "aiobench: %d goals missed\n", missed(rep.Goals))
		return 1
	}
	return 0
}
