package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// processCPUTime returns the user plus system CPU time that this process has
// used so far, all threads counted.
func processCPUTime() (time.Duration, error) {
	var usage unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &usage); err != nil {
		return 0, os.NewSyscallError("getrusage", err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()), nil
}

// machineCPUTime returns the CPU time that the whole machine has spent
// busy so far: user, nice, system, irq and softirq time of every CPU, from
// /proc/stat. Around a run on a quiet machine, it counts what the process's
// own CPU time misses: the kernel's work for its I/O done in other contexts
// (a loop device's worker, softirqs on other CPUs, a FUSE server), which
// differs between engines even when they ask the same of the device. Steal
// and idle time are not counted.
func machineCPUTime() (time.Duration, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseMachineCPUTime(data)
}

// userHZ is the unit of /proc/stat's times, USER_HZ, which is 100 on every
// architecture that Linux's ABI fixes it on.
const userHZ = 100

// parseMachineCPUTime reads the busy time out of the text of /proc/stat.
func parseMachineCPUTime(stat []byte) (time.Duration, error) {
	for line := range bytes.Lines(stat) {
		fields := strings.Fields(string(line))
		if len(fields) < 8 || fields[0] != "cpu" {
			continue
		}
		// user nice system idle iowait irq softirq [steal ...]
		var ticks uint64
		for _, i := range []int{1, 2, 3, 6, 7} {
			v, err := strconv.ParseUint(fields[i], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/stat: cpu field %d: %w", i, err)
			}
			ticks += v
		}
		return time.Duration(ticks) * time.Second / userHZ, nil
	}
	return 0, errors.New("/proc/stat has no cpu line")
}
