package aio

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A prober is Probe's own kernel AIO context, used without the Context
// machinery: requests go to the kernel as they are, with no checks of the
// package's, so that what comes back is the kernel's own answer, and they
// are submitted by the calling thread itself, so that its context switches
// can be counted.
type prober struct {
	kernelContext
	dir     string // where its files go
	reapErr error  // why no system call reaps completions, if none does
	fds     []int  // to close
	seq     uint64 // tags requests, so that a late completion is not taken for another's

	// keep holds every iocb and buffer given to the kernel, so that none
	// is freed while a request that did not complete in time may still use
	// it; io_destroy waits for those.
	keep []any
}

// Bounds of Probe's kernel context and of its waits.
const (
	// probeEvents is the size of Probe's kernel context: room for
	// probeDepth requests in flight and a poll.
	probeEvents = 8
	// probeTimeout bounds each wait for completions. A request that misses
	// it is given up as not working; io_destroy waits for it at the end.
	probeTimeout = 5 * time.Second
)

// newProber sets up a kernel AIO context for files in dir. Its error is
// what NewContext would return.
func newProber(dir string) (*prober, error) {
	p := &prober{dir: dir}
	if err := ioSetup(probeEvents, &p.id); err != nil {
		return nil, os.NewSyscallError("io_setup", setupError(err, probeEvents))
	}
	p.reapErr = p.chooseGetevents()
	return p, nil
}

// close releases the context, once every request has completed, and then
// the files.
func (p *prober) close() {
	ioDestroy(p.id)
	runtime.KeepAlive(p.keep)
	for _, fd := range p.fds {
		unix.Close(fd)
	}
}

// pgeteventsWorks reports whether io_pgetevents works: a call that waits
// for nothing returns without an error.
func (p *prober) pgeteventsWorks() bool {
	var ev [1]ioEvent
	k := kernelContext{id: p.id, pgetevents: true}
	_, err := k.geteventsNow(ev[:])
	return err == nil
}

// create creates a new file in p's directory with O_RDWR and extra flags,
// to be closed with p, and returns its descriptor, or -1 and the error.
func (p *prober) create(name string, flags int) (int, error) {
	fd, err := unix.Open(filepath.Join(p.dir, name), unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC|flags, 0o600)
	if err != nil {
		return -1, err
	}
	p.fds = append(p.fds, fd)
	return fd, nil
}

var errProbeTimeout = errors.New("no completion within the probe's time limit")

// newIocb returns a zeroed request that stays where it is, and reachable,
// until p is closed.
func (p *prober) newIocb() *iocb {
	cb := new(iocb)
	p.keep = append(p.keep, cb)
	return cb
}

// tag returns a number for a request's aio_data that no other request of p
// has.
func (p *prober) tag() uint64 {
	p.seq++
	return p.seq
}

// run submits cb, prepared with a tag of p's, and waits for its
// completion. It returns the completion's result, or the error of io_submit
// or of the completion.
func (p *prober) run(cb *iocb) (int64, error) {
	if err := p.submitOne(cb); err != nil {
		return 0, err
	}
	res, err := p.await(cb.Data, probeTimeout)
	if err == nil && res < 0 {
		err = syscall.Errno(-res)
	}
	return res, err
}

// submitOne submits the single request cb.
func (p *prober) submitOne(cb *iocb) error {
	cbs := [1]*iocb{cb}
	_, err := ioSubmit(p.id, 1, &cbs[0])
	return err
}

// await waits up to timeout for the completion of the request tagged tag,
// dropping the late completions of others, and returns its result.
func (p *prober) await(tag uint64, timeout time.Duration) (int64, error) {
	deadline := time.Now().Add(timeout)
	var ev [1]ioEvent
	for {
		n, err := p.getevents(ev[:], time.Until(deadline))
		switch {
		case err != nil:
			return 0, err
		case n == 0:
			return 0, errProbeTimeout
		case ev[0].Data == tag:
			return ev[0].Res, nil
		}
	}
}

// getevents waits up to timeout for at least one completion and copies up
// to len(events) of them into events; 0 means that none came in time.
func (p *prober) getevents(events []ioEvent, timeout time.Duration) (int, error) {
	if p.reapErr != nil {
		return 0, p.reapErr
	}
	deadline := time.Now().Add(timeout)
	var ts unix.Timespec
	var ts64 kernelTimespec
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return 0, nil
		}
		n, err := p.geteventsWait(events, left, &ts, &ts64)
		// The Go runtime's signals (preemption, profiling) interrupt the
		// wait.
		if err != syscall.EINTR {
			return n, err
		}
	}
}
