package main

import (
	"context"
	"errors"
	"os"

	"github.com/linuxaio/aio"
)

// openAIOGoroutines prepares the aio engine: goroutines calling
// aio.File.ReadAt or WriteAt on one aio.Context sized for the queue depth.
// Each call parks its goroutine, not an OS thread, until the kernel
// completes the I/O. With -sync dsync each write carries aio.FlagDSync.
func openAIOGoroutines(j job) (ioLoop, error) {
	ctx, file, err := openAIOFile(j)
	if err != nil {
		return nil, err
	}
	buffers, err := newIOBuffers(j.queueDepth, j.workload.blockSize)
	if err != nil {
		return nil, errors.Join(err, file.Close(), ctx.Close())
	}
	release := func() error { return errors.Join(file.Close(), ctx.Close()) }
	var bf blockFile = file
	if j.dsync {
		bf = durableAIOFile{file}
	}
	return &goroutineLoop{file: bf, buffers: buffers, workload: j.workload, release: release}, nil
}

// A durableAIOFile is an aio.File whose every WriteAt is durable: it
// carries RWF_DSYNC, so that the kernel completes it only once the data is
// on stable storage.
type durableAIOFile struct{ *aio.File }

// WriteAt writes p at off with aio.FlagDSync.
func (f durableAIOFile) WriteAt(p []byte, off int64) (int, error) {
	return f.WriteAtContext(context.Background(), p, off, aio.FlagDSync)
}

// openAIOFile makes a Context with room for j.queueDepth I/Os in flight and
// opens j's target on it, for writing too if the workload writes.
func openAIOFile(j job) (*aio.Context, *aio.File, error) {
	ctx, err := aio.NewContext(j.queueDepth)
	if err != nil {
		return nil, nil, err
	}
	flag := os.O_RDONLY
	if j.workload.writes() {
		flag = os.O_RDWR
	}
	file, err := ctx.OpenFile(j.path, flag, 0)
	if err != nil {
		return nil, nil, errors.Join(err, ctx.Close())
	}
	return ctx, file, nil
}
