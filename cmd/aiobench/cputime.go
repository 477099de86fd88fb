package main

import (
	"os"
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
