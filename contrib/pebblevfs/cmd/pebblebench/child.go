package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

// Each run is a process of its own: the Go runtime keeps every OS thread it
// ever made, so a run after one that blocked a thread per read would report
// that run's threads as its own. The parent starts itself again with -child,
// which runs one FS and one count of readers and prints its result as JSON.

// runChild measures one run in this process and prints it for the parent.
func runChild(cfg *config, keys int) error {
	r, err := measure(cfg, cfg.fsOnly, cfg.readers[0], keys)
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
	if cfg.profile != "" {
		args = append(args, "-cpuprofile", fmt.Sprintf("%s.%s.%d", cfg.profile, kind, readers))
	}
	cmd := exec.Command(self, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("child run: %w", err)
	}
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return result{}, fmt.Errorf("child run printed %q: %w", out.String(), err)
	}
	return r, nil
}
