package aio

import (
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A kernelContext is a kernel AIO context and the system call that reads
// its completions here. A Context has one, and so has Probe, which uses it
// without the Context's machinery.
type kernelContext struct {
	id         contextID
	pgetevents bool // reap with io_pgetevents, for want of io_getevents
}

// Zero timeouts, for reaping without blocking.
var (
	zeroTimeout   unix.Timespec
	zeroTimeout64 kernelTimespec
)

// chooseGetevents finds the system call that reaps completions here:
// io_getevents, or io_pgetevents with a 64-bit timeout, the only one a
// 32-bit kernel built without CONFIG_COMPAT_32BIT_TIME has. A seccomp
// profile may forbid either. Nothing is in flight yet, so trying them reaps
// nothing.
func (k *kernelContext) chooseGetevents() error {
	var ev [1]ioEvent
	_, err := k.geteventsNow(ev[:])
	if err == nil {
		return nil
	}
	k.pgetevents = true
	_, err64 := k.geteventsNow(ev[:])
	if err64 == nil {
		return nil
	}
	return fmt.Errorf("aio: no system call to reap completions with: io_getevents: %w; io_pgetevents: %w", err, err64)
}

// geteventsNow reaps up to len(events) completions with the chosen system
// call and a zero timeout. A signal can still interrupt it (the Go runtime
// preempts goroutines with one), and then it tries again.
func (k *kernelContext) geteventsNow(events []ioEvent) (int, error) {
	for {
		var n int
		var err error
		if k.pgetevents {
			n, err = ioPgeteventsNow(k.id, 0, len(events), &events[0], &zeroTimeout64, nil)
		} else {
			n, err = ioGeteventsNow(k.id, 0, len(events), &events[0], &zeroTimeout)
		}
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// geteventsWait blocks in the kernel until at least one completion comes or
// timeout has passed, and reaps up to len(events) completions. It fills in
// the timeout the system call reads, ts or ts64, which the caller provides.
// A signal ends the wait early with EINTR.
func (k *kernelContext) geteventsWait(events []ioEvent, timeout time.Duration, ts *unix.Timespec, ts64 *kernelTimespec) (int, error) {
	if k.pgetevents {
		*ts64 = kernelTimespec{Sec: int64(timeout / time.Second), Nsec: int64(timeout % time.Second)}
		return ioPgetevents(k.id, 1, len(events), &events[0], ts64, nil)
	}
	*ts = unix.NsecToTimespec(int64(timeout))
	return ioGetevents(k.id, 1, len(events), &events[0], ts)
}
