//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le)

package main

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A geteventsLoop is the simplest Go program that keeps queueDepth kernel
// AIO requests in flight, written without the aio package as the baseline
// that aio-batch must beat: one goroutine hands every free iocb to one
// io_submit, then sleeps in io_getevents until at least one completes,
// takes up to queueDepth completions and resubmits them at new offsets.
//
// The kernel keeps the address of a submitted iocb (it returns it in
// io_event.obj) and writes into its buffer until the completion is reaped,
// so neither may move or be freed before then: the iocbs are one Go heap
// array, which the garbage collector never moves, held by the loop; the
// buffers are mmap'ed memory outside the Go heap.
type geteventsLoop struct {
	id       uint64 // the AIO context
	fd       int
	buffers  *ioBuffers
	workload *workload
	// writeRWFlags go into every write iocb's aio_rw_flags: RWF_DSYNC with
	// -sync dsync.
	writeRWFlags uint32

	iocbs     []iocb
	submitted []time.Time // by iocb index: when it was last submitted
	events    []ioEvent
	pending   []*iocb // to submit next, in order
	inFlight  int
}

// openGetevents prepares the getevents engine.
func openGetevents(j job) (ioLoop, error) {
	flag := unix.O_RDONLY
	if j.workload.writes() {
		flag = unix.O_RDWR
	}
	fd, err := unix.Open(j.path, flag|unix.O_DIRECT|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: j.path, Err: err}
	}
	id, err := ioSetup(j.queueDepth)
	if err != nil {
		return nil, errors.Join(os.NewSyscallError("io_setup", err), unix.Close(fd))
	}
	buffers, err := newIOBuffers(j.queueDepth, j.workload.blockSize)
	if err != nil {
		return nil, errors.Join(err, ioDestroy(id), unix.Close(fd))
	}
	g := &geteventsLoop{
		id:        id,
		fd:        fd,
		buffers:   buffers,
		workload:  j.workload,
		iocbs:     make([]iocb, j.queueDepth),
		submitted: make([]time.Time, j.queueDepth),
		events:    make([]ioEvent, j.queueDepth),
		pending:   make([]*iocb, 0, j.queueDepth),
	}
	if j.dsync {
		g.writeRWFlags = rwfDSync
	}
	for i := range g.iocbs {
		buf := buffers.bytes[i]
		g.iocbs[i] = iocb{
			data:   uint64(i),
			fildes: uint32(fd),
			buf:    uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf)))),
			nbytes: uint64(len(buf)),
		}
	}
	return g, nil
}

func (g *geteventsLoop) run(m *meter) error {
	im := m.issuer(0)
	stream := g.workload.newStream(rand.Uint64())
	g.pending = g.pending[:0]
	for i := range g.iocbs {
		g.pending = append(g.pending, g.aim(&g.iocbs[i], stream))
	}
	firstErr := g.submitPending()
	for g.inFlight > 0 {
		n, err := ioGetevents(g.id, 1, g.events)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			// Nothing can be reaped any more; io_destroy in close waits
			// for what is still in flight.
			return errors.Join(firstErr, os.NewSyscallError("io_getevents", err))
		}
		now := time.Now()
		g.inFlight -= n
		for _, ev := range g.events[:n] {
			cb := &g.iocbs[ev.data]
			if err := eventError(ev, cb); err != nil {
				firstErr = cmp.Or(firstErr, err)
				m.stop.Store(true)
				continue
			}
			im.record(now.Sub(g.submitted[ev.data]), cb.opcode == iocbCmdPwrite)
			if firstErr == nil && !m.stopping() {
				g.pending = append(g.pending, g.aim(cb, stream))
			}
		}
		firstErr = cmp.Or(firstErr, g.submitPending())
	}
	return firstErr
}

// aim points cb at the next I/O of stream.
func (g *geteventsLoop) aim(cb *iocb, stream *ioStream) *iocb {
	offset, write := stream.next()
	cb.offset = offset
	cb.opcode, cb.rwFlags = iocbCmdPread, 0
	if write {
		cb.opcode, cb.rwFlags = iocbCmdPwrite, g.writeRWFlags
	}
	return cb
}

// submitPending hands the pending iocbs to one io_submit. Those it does not
// accept stay pending for the next call, unless nothing is in flight to
// make room: then, or on any error but EAGAIN, they are dropped, which ends
// the run once those in flight are back.
func (g *geteventsLoop) submitPending() error {
	if len(g.pending) == 0 {
		return nil
	}
	now := time.Now()
	for _, cb := range g.pending {
		g.submitted[cb.data] = now
	}
	n, err := ioSubmit(g.id, g.pending)
	g.inFlight += n
	g.pending = g.pending[:copy(g.pending, g.pending[n:])]
	switch {
	case err == nil && (n > 0 || g.inFlight > 0):
		return nil
	case errors.Is(err, unix.EAGAIN) && g.inFlight > 0:
		return nil
	case err == nil:
		err = errors.New("io_submit accepted no request")
	default:
		err = os.NewSyscallError("io_submit", err)
	}
	g.pending = g.pending[:0]
	return err
}

// eventError returns the error of a completion, counting a short transfer
// as one.
func eventError(ev ioEvent, cb *iocb) error {
	if ev.res < 0 {
		return fmt.Errorf("I/O at offset %d: %w", cb.offset, unix.Errno(-ev.res))
	}
	if uint64(ev.res) != cb.nbytes {
		return fmt.Errorf("short transfer at offset %d: %d of %d bytes", cb.offset, ev.res, cb.nbytes)
	}
	return nil
}

func (g *geteventsLoop) close() error {
	// io_destroy waits for any request still in flight, so the buffers are
	// freed only after it.
	err := errors.Join(os.NewSyscallError("io_destroy", ioDestroy(g.id)), unix.Close(g.fd))
	return errors.Join(err, g.buffers.free())
}
