package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// fioArguments returns the fio command line that runs j as the Go engines
// do: O_DIRECT through libaio, one job keeping j.queueDepth I/Os in flight,
// random offsets drawn with replacement, latency from submission to
// completion. --thread makes the job a thread of the fio process, so that
// its OS threads can be counted in /proc/PID/status. fio reports reads and
// writes together; for a mixed workload it reports each direction too
// (--unified_rw_reporting=both, which fio has had since 3.27). With -sync
// dsync fio opens the target with O_DSYNC (--sync=dsync), which makes
// every write durable as RWF_DSYNC does. The fio-best engine adds the
// batching settings that fioBestSettings gives for the depth.
func fioArguments(j job) []string {
	args := []string{
		"--name=aiobench",
		"--filename=" + escapeFioFilename(j.path),
		"--ioengine=libaio",
		"--direct=1",
		"--rw=" + j.workload.pattern,
		"--bs=" + strconv.Itoa(j.workload.blockSize),
		"--iodepth=" + strconv.Itoa(j.queueDepth),
		"--size=" + strconv.FormatInt(j.workload.blocks*int64(j.workload.blockSize), 10),
		"--runtime=" + strconv.FormatInt(max(j.runtime.Milliseconds(), 1), 10) + "ms",
		"--time_based",
		"--norandommap",
		"--randrepeat=0",
		"--thread",
		"--lat_percentiles=1",
		"--percentile_list=50:99:99.9",
		"--output-format=json",
	}
	if j.workload.mixed() {
		args = append(args, "--unified_rw_reporting=both", "--rwmixread="+strconv.Itoa(j.workload.readPercent))
	} else {
		args = append(args, "--unified_rw_reporting=mixed")
	}
	if j.dsync {
		args = append(args, "--sync=dsync")
	}
	if j.workload.blockSize >= largeBlockSize {
		// fio's buffers start on a huge page boundary, so that where
		// transparent huge pages are on for all memory (bench/streams.sh
		// sets it) they are huge pages throughout, as the Go engines'
		// buffers are: a large I/O then reaches the device whole.
		args = append(args, "--iomem_align=2m")
	}
	if j.engine == "fio-best" {
		args = append(args, fioBestSettings(j.queueDepth).arguments()...)
	}
	return args
}

// isFioEngine reports whether engine runs the fio program rather than Go.
func isFioEngine(engine string) bool {
	return engine == "fio" || engine == "fio-best"
}

// escapeFioFilename escapes the colons of a path, which fio's --filename
// would otherwise take as separators between several files.
func escapeFioFilename(path string) string {
	return strings.ReplaceAll(path, ":", `\:`)
}

// runFio runs j with the fio program at fioPath and reads its report. The
// peak thread count is sampled from the fio process while it runs.
func runFio(ctx context.Context, j job, fioPath string, progress progressOutput) (result, error) {
	cmd := exec.CommandContext(ctx, fioPath, fioArguments(j)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("starting fio: %w", err)
	}
	threads := startThreadSampler(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	machineBefore, machineErr := machineCPUTime()
	start := time.Now()
	line := progress.start(func() string {
		return fmt.Sprintf("%s qd=%d  %4.1fs/%v", j.engine, j.queueDepth, time.Since(start).Seconds(), j.runtime)
	})
	err := cmd.Wait()
	machineAfter, machineAfterErr := machineCPUTime()
	line.finish()
	peakThreads := threads.finish()
	if err != nil {
		return result{}, withOutput(fmt.Errorf("fio: %w", err), stderr.String())
	}
	if err := errors.Join(machineErr, machineAfterErr); err != nil {
		return result{}, err
	}
	out, err := parseFioOutput(stdout.Bytes())
	if err != nil {
		return result{}, withOutput(err, stderr.String())
	}
	res, err := out.Jobs[0].result(j.queueDepth)
	if err != nil {
		return result{}, err
	}
	res.Engine = j.engine
	res.PeakThreads = peakThreads
	res.MachineCPUSeconds = (machineAfter - machineBefore).Seconds()
	res.setRates()
	if j.workload.mixed() {
		res.Read, res.Write = out.Jobs[0].directions(res.Seconds)
	}
	return res, nil
}

// fioVersionOf asks the fio program at fioPath for its version.
func fioVersionOf(fioPath string) string {
	out, err := exec.Command(fioPath, "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// withOutput adds the first lines that a failed program printed to its
// error, if it printed any.
func withOutput(err error, output string) error {
	output = strings.TrimSpace(output)
	if output == "" {
		return err
	}
	lines := strings.Split(output, "\n")
	return fmt.Errorf("%w\n%s", err, strings.Join(lines[:min(5, len(lines))], "\n"))
}
