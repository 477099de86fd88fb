package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// Each run is a process of its own: the Go runtime keeps every OS thread it
// ever made, so a run after one that blocked a thread per read would report
// that run's threads as its own. The parent starts itself again with -child,
// which runs one FS and one count of readers and prints its result as JSON.

// runChild measures one run in this process and prints it for the parent.
func runChild(cfg *config, keys int) error {
	if cfg.maxThreads > 0 {
		debug.SetMaxThreads(cfg.maxThreads)
	}
	measureRun := measure
	if cfg.fill {
		measureRun = func(cfg *config, kind string, writers, _ int) (result, error) { return measureFill(cfg, kind, writers) }
	}
	r, err := measureRun(cfg, cfg.fsOnly, cfg.readers[0], keys)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(r)
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
	if cfg.maxThreads > 0 {
		args = append(args, "-maxthreads", strconv.Itoa(cfg.maxThreads))
	}
	if cfg.ordered {
		args = append(args, "-order", "sequential")
	}
	if cfg.noReadahead {
		args = append(args, "-readahead=false")
	}
	if cfg.fill {
		args = append(args, "-fill", "-value", strconv.Itoa(cfg.value))
	}
	if cfg.buffered != "" {
		args = append(args, "-buffered", cfg.buffered)
	}
	if cfg.ycsb != "" {
		args = append(args, "-ycsb", cfg.ycsb, "-value", strconv.Itoa(cfg.value))
	}
	if cfg.profile != "" {
		args = append(args, "-cpuprofile", fmt.Sprintf("%s.%s.%d", cfg.profile, kind, readers))
	}
	cmd := exec.Command(self, args...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err = cmd.Run()
	if err != nil {
		reason, crashed := crashReason(cmd.ProcessState, stderr.String())
		if crashed {
			return result{}, &childDiedError{err: err, reason: reason}
		}
		return result{}, fmt.Errorf("child run: %w: %s", err, reason)
	}
	os.Stderr.Write(stderr.Bytes())
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return result{}, fmt.Errorf("child run printed %q: %w", out.String(), err)
	}
	return r, nil
}

// A childDiedError is a run whose process failed: crashed, as a Go program
// does past its OS thread limit (debug.SetMaxThreads), or exited with an
// error.
type childDiedError struct {
	err    error  // how the process ended
	reason string // the line of its output that says why
}

func (e *childDiedError) Error() string {
	return fmt.Sprintf("the run's process died (%v): %s", e.err, e.reason)
}

// crashReason picks from a failed child's standard error the line that
// says why: the runtime's fatal error or panic, which a crash with
// thousands of goroutines follows with megabytes of stacks, or else the
// last line. It reports whether the child crashed (a fatal error, a panic or
// a signal) rather than returning an error.
func crashReason(state *os.ProcessState, stderr string) (reason string, crashed bool) {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for _, prefix := range []string{"fatal error: ", "panic: "} {
		for i, line := range lines {
			if !strings.HasPrefix(line, prefix) {
				continue
			}
			// The runtime says what broke in the line before, as in
			// "runtime: program exceeds 10000-thread limit".
			if i > 0 && strings.HasPrefix(lines[i-1], "runtime: ") {
				return lines[i-1] + " (" + line + ")", true
			}
			return line, true
		}
	}
	reason = lines[len(lines)-1]
	if reason == "" {
		reason = "no output"
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("killed by %v: %s", ws.Signal(), reason), true
	}
	return reason, false
}

// died reports whether err is a run whose process died, and its reason.
func died(err error) (string, bool) {
	var d *childDiedError
	if errors.As(err, &d) {
		return d.reason, true
	}
	return "", false
}
