package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

// runInChild measures one run of a Go engine in a fresh aiobench process on
// the prepared target, so that OS threads and heap left by earlier runs do
// not count. The child prints its report as JSON on stdout, and its
// progress line and errors on the progress output as they happen.
func runInChild(ctx context.Context, cfg *config, t target, run plannedRun, progress progressOutput) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	cmd := exec.CommandContext(ctx, self, childArguments(cfg, t, run)...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if progress.file != nil {
		cmd.Stderr = progress.file
	}
	cmd.Env = append(os.Environ(), progressLabelEnv+"="+progress.label)
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("%s at queue depth %d: %w", run.engine, run.queueDepth, err)
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return result{}, fmt.Errorf("reading the report of %s at queue depth %d: %w", run.engine, run.queueDepth, err)
	}
	if len(rep.Runs) != 1 {
		return result{}, errors.New("a child run reported other than one result")
	}
	return rep.Runs[0], nil
}

// childArguments is the command line of a child: the same settings, one
// engine, one queue depth, the target named exactly.
func childArguments(cfg *config, t target, run plannedRun) []string {
	if cfg.log {
		return logChildArguments(cfg, run)
	}
	return []string{
		"-file", t.Path,
		"-size", strconv.FormatInt(t.Size, 10),
		"-rw", cfg.pattern,
		"-rwmix", strconv.Itoa(cfg.readMix),
		"-sync", cfg.sync,
		"-bs", strconv.Itoa(cfg.blockSize),
		"-qd", strconv.Itoa(run.queueDepth),
		"-runtime", cfg.runtime.String(),
		"-engine", run.engine,
		"-json",
	}
}
