package aio

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The poller half of reaping (see reap.go): requests submitted while many
// are in flight ask the kernel to signal an eventfd when they complete
// (IOCB_FLAG_RESFD), and one goroutine per Context waits for it through the
// runtime poller, which holds no OS thread and wakes it only when the
// scheduler runs out of other work or looks for network events. Waiters of
// such requests park instead of blocking in io_getevents.
//
// The eventfd is never read. The poller registers it edge-triggered, and
// every completion's signal is an edge, whatever the counter holds; a signal
// that comes between a reap and the goroutine parking leaves the poller's
// readiness set, so the goroutine does not park and reaps again. Not reading
// saves two system calls per wake-up. The counter would need 2^64
// completions to saturate.

// pollDepth is how many requests must be in the kernel already for a new
// call's request to be signalled through the eventfd instead of being
// waited for in io_getevents. Below it a leader blocking in the kernel, as
// pread does, is the quickest way to a completion: one thread wakes and
// hands on everything that completed meanwhile, where the poller's way adds
// a wake-up through epoll and the scheduler. Far above it that thread wakes
// for every completion, more often than it needs to, and the poller collects
// them for less CPU. Measured with 4 KiB direct reads on a loop device and a
// virtio disk (2 CPUs): at depth 32 and 128 the leader alone used 5-25% less
// CPU per read than with the poller from depth 32 on, and as much or more
// IOPS; at depth 512 the poller from 128 on used 15% less CPU on the disk.
const pollDepth = 128

// atDepth reports whether a call's request prepared now is to be polled.
func (c *Context) atDepth() bool { return c.reaper.inKernel.Load() >= c.pollDepth }

// setupPoller creates the eventfd and registers it with the runtime poller;
// NewContext starts pollLoop once the Context is complete.
func (c *Context) setupPoller() error {
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("eventfd", err)
	}
	c.eventfd = int32(efd)
	if c.eventfdFile, c.eventfdConn, err = pollable(efd, "aio-eventfd"); err != nil {
		return err
	}
	return nil
}

// pollable returns fd, which must be nonblocking, as an *os.File registered
// with the runtime poller, and its RawConn. It fails if the poller did not
// take it: os.NewFile then quietly makes a blocking file, on which the
// goroutine could never wait.
func pollable(fd int, name string) (*os.File, syscall.RawConn, error) {
	f := os.NewFile(uintptr(fd), name)
	// Only files the poller has registered have deadlines.
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("aio: the runtime poller does not take %s: %w", name, err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, rc, nil
}

// pollLoop runs until the eventfd is closed, which Close does only once
// every request has completed. On every signal it reaps, unless a leader is
// at it; then it leaves a note (pollPending) that the leader looks at when
// it steps down, so that the signal is not lost.
func (c *Context) pollLoop() {
	defer close(c.reaper.pollStopped)
	r := &c.reaper
	// The callback reports false after every reap, so Read parks the
	// goroutine until the next edge and only returns once the eventfd
	// is closed.
	c.eventfdConn.Read(func(uintptr) bool {
		r.pollPending.Store(true)
		if c.tryLead() {
			r.pollPending.Store(false)
			c.reapLocked(ownerNone)
			c.stepDown()
		}
		return false
	})
}
