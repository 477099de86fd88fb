package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// Each run is a process of its own: the Go runtime keeps every OS thread it
// ever made, so a run after one that blocked a thread per read would report
// that run's threads as its own. The parent starts itself again with -child,
// which runs one FS and one count of readers and prints its result as JSON.

// childResult is a result as a child prints it.
type childResult struct {
	FS       string        `json:"fs"`
	Readers  int           `json:"readers"`
	Ops      int64         `json:"ops"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	P999     time.Duration `json:"p999_ns"`
	CPUPerOp time.Duration `json:"cpu_per_op_ns"`
	Threads  int           `json:"threads"`
	Misses   float64       `json:"cache_misses_per_op"`
}

func (r result) toChild() childResult {
	return childResult{r.fs, r.readers, r.ops, r.elapsed, r.p50, r.p99, r.p999, r.cpuPerOp, r.threads, r.missesPerOp}
}

func (c childResult) toResult() result {
	return result{fs: c.FS, readers: c.Readers, ops: c.Ops, elapsed: c.Elapsed, p50: c.P50, p99: c.P99, p999: c.P999, cpuPerOp: c.CPUPerOp, threads: c.Threads, missesPerOp: c.Misses}
}

// runChild measures one run in this process and prints it for the parent.
func runChild(cfg *config, keys int) error {
	r, err := measure(cfg, cfg.fsOnly, cfg.readers[0], keys)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(r.toChild())
}

// measureInChild runs one FS and count of readers in a new process.
func measureInChild(cfg *config, kind string, readers int) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	args := []string{"-child", "-dir", cfg.dir, "-fs", kind, "-readers", strconv.Itoa(readers),
		"-runtime", cfg.runtime.String(), "-cache", strconv.FormatInt(cfg.cache, 10),
		"-scan", strconv.FormatFloat(cfg.scan, 'g', -1, 64), "-scanlen", strconv.Itoa(cfg.scanLen)}
	if cfg.profile != "" {
		args = append(args, "-cpuprofile", fmt.Sprintf("%s.%s.%d", cfg.profile, kind, readers))
	}
	cmd := exec.Command(self, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("child run: %w", err)
	}
	var c childResult
	if err := json.Unmarshal(out.Bytes(), &c); err != nil {
		return result{}, fmt.Errorf("child run printed %q: %w", out.String(), err)
	}
	return c.toResult(), nil
}
