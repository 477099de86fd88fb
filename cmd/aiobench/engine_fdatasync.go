package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// openFdatasyncGoroutines prepares the pwrite+fdatasync engine: goroutines
// that each write with os.File.WriteAt on a file opened with O_DIRECT and
// then call fdatasync on it, the way Go programs make a write durable
// today. The write and its fdatasync are one durable write: counted as one
// I/O, whose latency runs from the start of the write to the return of the
// fdatasync. Each of the two system calls holds an OS thread while it
// waits. Reads, which -rw randrw mixes in, are plain os.File.ReadAt.
func openFdatasyncGoroutines(j job) (ioLoop, error) {
	if !j.dsync || !j.workload.writes() {
		return nil, errors.New("the " + fdatasyncEngine + " engine makes writes durable: it runs with -sync dsync and a pattern that writes")
	}
	f, err := os.OpenFile(j.path, os.O_RDWR|unix.O_DIRECT|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	buffers, err := newIOBuffers(j.queueDepth, j.workload.blockSize)
	if err != nil {
		return nil, errors.Join(err, f.Close())
	}
	file := newFdatasyncFile(f)
	return &goroutineLoop{file: file, buffers: buffers, workload: j.workload, release: f.Close}, nil
}

// An fdatasyncFile is an os.File whose every WriteAt is followed by an
// fdatasync of the file, so that it returns only once the data is durable.
type fdatasyncFile struct {
	*os.File
	datasync func() error
}

// newFdatasyncFile wraps f. The descriptor is taken once, here: Fd would
// put a pollable file in blocking mode, but a regular file or a block
// device is not pollable and is blocking already.
func newFdatasyncFile(f *os.File) *fdatasyncFile {
	fd := int(f.Fd())
	return &fdatasyncFile{File: f, datasync: func() error {
		return os.NewSyscallError("fdatasync", unix.Fdatasync(fd))
	}}
}

// WriteAt writes p at off, then makes it durable with fdatasync; it
// returns the error of either.
func (f *fdatasyncFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	if err != nil {
		return n, err
	}
	return n, f.datasync()
}
