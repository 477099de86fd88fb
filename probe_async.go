package aio

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A SubmitCost is what io_submit cost the submitting thread for one kind of
// request, measured as ScyllaDB's fsqual measures it: the voluntary context
// switches of the thread (getrusage RUSAGE_THREAD, ru_nvcsw) inside
// io_submit. A thread switches out voluntarily when it sleeps, and inside
// io_submit it sleeps when the kernel waits there for the I/O, or for a
// lock, the journal or block allocation, before it returns. Requests behind
// such a request wait too: for that kind of request the filesystem's AIO is
// not asynchronous.
//
// The converse does not hold: io_submit of a buffered write copies the data
// into the page cache itself, and so completes the request before it
// returns, usually without sleeping and so without a switch. DoneOnReturn
// shows that.
type SubmitCost struct {
	// Requests is how many requests were measured: 256 requests of 4 KiB
	// (or of the O_DIRECT alignment, if that is larger) at consecutive
	// offsets, up to 4 of them in flight. It is 0 when the measurement
	// could not be made, and Err says why.
	Requests int
	// SwitchesPerRequest is the number of voluntary context switches of
	// the submitting thread inside io_submit, divided by Requests.
	SwitchesPerRequest float64
	// Async reports whether SwitchesPerRequest is below 0.1, fsqual's
	// threshold: io_submit slept for fewer than one request in ten. A
	// filesystem that waits for every O_DIRECT append, as ext4 does, costs
	// about one switch per request; one that never waits costs none.
	Async bool
	// DoneOnReturn is the fraction of the requests whose completion was
	// there as soon as io_submit returned: near 1 where io_submit did the
	// I/O itself, with or without sleeping (buffered writes, O_DIRECT
	// requests that it waits for), near 0 where the device does it later.
	DoneOnReturn float64
	// Err is why the measurement could not be made, or nil.
	Err error
}

// Settings of the measurement of io_submit.
const (
	// probeRequests is the number of requests measured of each kind:
	// enough that a switch in one request of ten shows whatever the noise,
	// few enough that the slowest kind (O_DIRECT appends that wait for the
	// device) takes a fraction of a second on a disk.
	probeRequests = 256
	// probeDepth is the number of requests kept in flight; fsqual measures
	// at depths from 1 to 7.
	probeDepth = 4
	// asyncThreshold is fsqual's bound on the switches per request of a
	// filesystem with good AIO support.
	asyncThreshold = 0.1
)

// submitCosts measures io_submit for the four kinds of request that
// Capabilities reports. direct is an O_DIRECT file or -1 (directErr is then
// why), buffered a file without O_DIRECT, and block aligned memory for one
// request. The O_DIRECT appends make the file that the overwrites and the
// reads then use.
func (p *prober) submitCosts(caps *Capabilities, direct int, directErr error, buffered int, block []byte) {
	if direct < 0 {
		noDirect := SubmitCost{Err: fmt.Errorf("O_DIRECT does not work here: %w", directErr)}
		caps.DirectAppend, caps.DirectOverwrite, caps.DirectRead = noDirect, noDirect, noDirect
	} else {
		caps.DirectAppend = p.submitCost(direct, iocbCmdPwrite, block)
		if caps.DirectAppend.Err != nil {
			noFile := SubmitCost{Err: errors.New("the O_DIRECT appends that make its file failed")}
			caps.DirectOverwrite, caps.DirectRead = noFile, noFile
		} else {
			caps.DirectOverwrite = p.submitCost(direct, iocbCmdPwrite, block)
			caps.DirectRead = p.submitCost(direct, iocbCmdPread, block)
		}
	}
	caps.BufferedWrite = p.submitCost(buffered, iocbCmdPwrite, block)
}

// submitCost submits probeRequests requests (cmd, each of len(block) bytes
// from or into block) on fd, at consecutive offsets from 0, keeping up to
// probeDepth in flight, and counts the voluntary context switches of the
// submitting thread inside io_submit. The thread is locked, so that the
// switches counted are those of the thread that made the calls.
func (p *prober) submitCost(fd int, cmd uint16, block []byte) SubmitCost {
	if p.reapErr != nil {
		return SubmitCost{Err: p.reapErr}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, err := voluntarySwitches(); err != nil {
		return SubmitCost{Err: err}
	}

	cbs := make([]iocb, probeDepth)
	p.keep = append(p.keep, cbs, block)
	batch := make([]*iocb, 0, probeDepth)
	idle := make([]uint64, probeDepth) // indexes of cbs not in flight
	for i := range idle {
		idle[i] = uint64(i)
	}
	// Request i is tagged base+i, apart from those of earlier requests.
	base := p.seq + 1
	p.seq += probeDepth
	events := make([]ioEvent, probeDepth)

	var switches int64
	submitted, completed, doneOnReturn := 0, 0, 0
	var failed error
	fresh := make([]bool, probeDepth) // in the io_submit that just returned
	// complete takes the completions in events, and reports how many were of
	// requests in the io_submit that just returned.
	complete := func(events []ioEvent) (ofFresh int) {
		for _, ev := range events {
			if ev.Data < base || ev.Data >= base+probeDepth {
				continue // a late completion of an earlier request
			}
			i := ev.Data - base
			if fresh[i] {
				ofFresh++
			}
			completed++
			idle = append(idle, i)
			if ev.Res != int64(len(block)) && failed == nil {
				failed = completionError(ev.Res, len(block))
			}
		}
		return ofFresh
	}
	for completed < submitted || submitted < probeRequests && failed == nil {
		batch = batch[:0]
		clear(fresh)
		for failed == nil && submitted+len(batch) < probeRequests && len(idle) > 0 {
			i := idle[len(idle)-1]
			idle = idle[:len(idle)-1]
			off := int64(submitted+len(batch)) * int64(len(block))
			cbs[i].prepare(cmd, int32(fd), unsafe.Pointer(unsafe.SliceData(block)), len(block), off, 0, -1, base+i)
			batch = append(batch, &cbs[i])
		}
		if len(batch) > 0 {
			before, _ := voluntarySwitches()
			n, err := ioSubmit(p.id, len(batch), &batch[0])
			after, _ := voluntarySwitches()
			switches += after - before
			if err == nil && n == 0 {
				err = syscall.EAGAIN
			}
			if err != nil {
				failed, n = os.NewSyscallError("io_submit", err), 0
			}
			for _, cb := range batch[:n] {
				fresh[cb.Data-base] = true
			}
			for _, cb := range batch[n:] { // not taken by the kernel
				idle = append(idle, cb.Data-base)
			}
			submitted += n
			if ready, err := p.geteventsNow(events); n > 0 && err == nil {
				doneOnReturn += complete(events[:ready])
			}
		}
		if completed == submitted {
			continue
		}
		n, err := p.getevents(events, probeTimeout)
		if err == nil && n == 0 {
			err = errProbeTimeout
		}
		if err != nil {
			// What is still in flight stays in p.keep until io_destroy.
			return SubmitCost{Err: err}
		}
		complete(events[:n])
	}
	if failed != nil {
		return SubmitCost{Err: failed}
	}
	perRequest := float64(switches) / float64(submitted)
	return SubmitCost{
		Requests:           submitted,
		SwitchesPerRequest: perRequest,
		Async:              perRequest < asyncThreshold,
		DoneOnReturn:       float64(doneOnReturn) / float64(submitted),
	}
}

// completionError describes a completion with result res of a request for
// want bytes.
func completionError(res int64, want int) error {
	if res < 0 {
		return syscall.Errno(-res)
	}
	return fmt.Errorf("a request for %d bytes moved %d", want, res)
}

// voluntarySwitches returns the calling thread's voluntary context
// switches so far.
func voluntarySwitches() (int64, error) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0, os.NewSyscallError("getrusage", err)
	}
	return int64(ru.Nvcsw), nil
}
