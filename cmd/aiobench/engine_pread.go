package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// openPreadGoroutines prepares the pread engine: goroutines calling
// os.File.ReadAt or WriteAt on one file opened with O_DIRECT. Each call is
// a blocking pread or pwrite that holds an OS thread until it completes.
// With -sync dsync the file is opened with O_DSYNC too, which makes every
// pwrite durable before it returns: a pool of durable pwrites, whose name
// stays pread.
func openPreadGoroutines(j job) (ioLoop, error) {
	flag := os.O_RDONLY
	if j.workload.writes() {
		flag = os.O_RDWR
	}
	if j.dsync {
		flag |= unix.O_DSYNC
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
