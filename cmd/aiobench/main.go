// Command aiobench measures O_DIRECT reads and writes from Go, as fio does
// from C, to answer storage questions about the aio package: how many IOPS,
// at what latency, for how much CPU and how many OS threads, next to plain
// goroutines calling os.File.ReadAt and next to fio itself.
//
// Run without flags, it reads 4 KiB blocks at random, 32 at a time, for 3 s
// from a 64 MiB temporary file in the current directory and prints a
// summary. See aiobench -help for the flags; -compare runs every engine and
// fio side by side, -qd 1,8,32,128 sweeps queue depths, -rounds N repeats
// the runs alternately and reports medians, -plot draws the sweep.
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
// the benchmark failed, 2 for a bad command line, 130 when interrupted.
func run(args []string, stdout io.Writer, stderr *os.File) int {
	cfg, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
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
	}
	return 0
}
