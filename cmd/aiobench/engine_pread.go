package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// openPreadGoroutines prepares the pread engine: goroutines calling
// os.File.ReadAt or WriteAt on one file opened with O_DIRECT. Each call is
// a blocking pread or pwrite that holds an OS thread until it completes.
func openPreadGoroutines(j job) (ioLoop, error) {
	flag := os.O_RDONLY
	if j.workload.writes() {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(j.path, flag|unix.O_DIRECT|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	buffers, err := newIOBuffers(j.queueDepth, j.workload.blockSize)
	if err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return &goroutineLoop{file: f, buffers: buffers, workload: j.workload, release: f.Close}, nil
}
