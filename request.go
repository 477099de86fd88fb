package aio

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// An Op is the operation of a Request.
type Op uint8

// The operations a Request can perform.
const (
	OpRead     Op = iota + 1 // read into Buf at Offset (IOCB_CMD_PREAD)
	OpWrite                  // write Buf at Offset (IOCB_CMD_PWRITE)
	OpReadv                  // read into Bufs in turn at Offset (IOCB_CMD_PREADV)
	OpWritev                 // write Bufs in turn at Offset (IOCB_CMD_PWRITEV)
	OpSync                   // fsync the File (IOCB_CMD_FSYNC)
	OpDatasync               // fdatasync the File (IOCB_CMD_FDSYNC)
	OpPoll                   // wait until the File is ready for Events; the ready mask in N (IOCB_CMD_POLL)
)

var opInfo = [...]struct {
	name string
	cmd  uint16
}{
	OpRead:     {"read", iocbCmdPread},
	OpWrite:    {"write", iocbCmdPwrite},
	OpReadv:    {"readv", iocbCmdPreadv},
	OpWritev:   {"writev", iocbCmdPwritev},
	OpSync:     {"fsync", iocbCmdFsync},
	OpDatasync: {"fdatasync", iocbCmdFdsync},
	OpPoll:     {"poll", iocbCmdPoll},
}

func (op Op) valid() bool { return op >= OpRead && int(op) < len(opInfo) }

// String returns the operation's name.
func (op Op) String() string {
	if !op.valid() {
		return fmt.Sprintf("Op(%d)", uint8(op))
	}
	return opInfo[op].name
}

// A Request is one operation for Context.Submit, for callers that manage
// their own queue depth: one goroutine can keep many requests in flight,
// with one io_submit for many of them and no allocation per request.
//
// A Request belongs to the package from Submit until Wait returns it; then
// its results are set and it may be changed and submitted again. The memory
// in Buf or Bufs must not be touched meanwhile.
type Request struct {
	File   *File
	Op     Op
	Buf    []byte   // for OpRead and OpWrite
	Bufs   [][]byte // for OpReadv and OpWritev
	Offset int64
	Flags  Flags
	Tag    uint64 // the caller's own value; the package does not touch it

	// Events is what OpPoll waits for: unix.POLLIN, unix.POLLOUT and the
	// like, or'ed together. (POLLERR and POLLHUP are always reported.)
	Events int16
	// Priority is the request's I/O priority (see IOPriority); 0 means
	// its File's (File.SetPriority).
	Priority Priority

	// Set when Wait returns the request.
	//
	// N is the number of bytes transferred, or for OpPoll the events
	// the File is ready for. It can be less than asked for
	// without an error: at the end of the file, and when the request is
	// longer than the kernel moves at once (MAX_RW_COUNT, 0x7ffff000
	// bytes), in which case the rest must be submitted again. (The calls of
	// File do that themselves.)
	N int
	// Err is nil, or an *os.PathError naming the file, which wraps the
	// errno and, for reads and writes, names the offset. A request that a
	// Close withdrew before it reached the kernel has an error matching
	// ErrClosed.
	Err error

	inFlight atomic.Bool
	queue    *completionQueue // where the request goes when it completes
}

var (
	errRequestInFlight = errors.New("aio: request already submitted and not yet returned by Wait")
	errNilRequest      = errors.New("aio: a request is nil; pass *Request values that point to requests")
	errNoFile          = errors.New("aio: request has no File: set its File to one opened through this Context")
)

// finish records the result res of the request.
func (r *Request) finish(res int64) {
	if res >= 0 {
		r.N = int(res)
		r.Err = nil
		return
	}
	r.N = 0
	info := opInfo[r.Op]
	r.Err = r.File.resultError(info.name, info.cmd, r.Offset, res, r.Flags, r.File.priorityOf(r.Priority))
}

// accept checks r and claims it and its File for the time it is in flight.
// If it has to wait for the File (a Close is waiting for the File's requests
// to finish), it first calls flush to submit the requests accepted so far:
// Close could not finish while they sat unsubmitted.
func (c *Context) accept(r *Request, flush func()) error {
	if r == nil {
		return errNilRequest
	}
	if r.File == nil {
		return errNoFile
	}
	name := "submit"
	if r.Op.valid() {
		name = opInfo[r.Op].name
	}
	if err := r.File.checkClosed(name); err != nil {
		return err
	}
	if !r.Op.valid() {
		return pathError(name, r.File.name, &argError{fmt.Sprintf("invalid Op %d", uint8(r.Op))})
	}
	if r.File.ctx != c {
		return pathError(name, r.File.name, &argError{"the request's File belongs to another Context"})
	}
	if err := r.File.validate(opInfo[r.Op].cmd, r.Buf, r.Bufs, r.Offset, r.Flags); err != nil {
		return pathError(name, r.File.name, err)
	}
	if err := r.File.priorityOf(r.Priority).check(); err != nil {
		return pathError(name, r.File.name, err)
	}
	if !r.inFlight.CompareAndSwap(false, true) {
		return errRequestInFlight
	}
	if !r.File.mu.TryRLock() {
		flush()
		r.File.mu.RLock()
	}
	if err := r.File.checkOpen(name); err != nil {
		r.inFlight.Store(false)
		return err
	}
	return nil
}
