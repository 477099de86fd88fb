package pebblevfs

import (
	"os"
	"sync"
	"sync/atomic"
)

// A gate is the open-or-closed state of an FS or of one of its files, and
// the protocol that makes Close the same for all of them:
//
//   - A call enters the gate before it does anything, argument checks
//     included, and leaves it when it is done. Once Close has begun, enter
//     fails (after waiting, while Close waits for the calls in the gate),
//     and the call returns an error matching os.ErrClosed.
//   - Close waits for the calls that entered before it to leave, marks the
//     gate closed, then releases what the gate guards (the aio.Context, the
//     descriptor) once. So a call either happens wholly before Close or
//     fails, and never runs on a released descriptor, whose number the
//     kernel may have given to another file.
//   - Every Close, the first and any concurrent or later one, returns when
//     the release is done, with the release's result.
//
// A direct file's calls, but Stat, do not enter its gate: its aio.File
// holds itself open around each of them already, so they check closed and
// let the aio.File refuse the calls that race with the release.
//
// The zero gate is open.
type gate struct {
	// mu is held for reading by each call between enter and leave, and for
	// writing by close while it sets closed. closed is atomic for the calls
	// that check it without entering.
	mu     sync.RWMutex
	closed atomic.Bool

	once sync.Once
	err  error // the release's result, set once by close
}

// enter reports whether the gate is open; if it is, the caller must call
// leave when its call is done.
func (g *gate) enter() bool {
	g.mu.RLock()
	if g.closed.Load() {
		g.mu.RUnlock()
		return false
	}
	return true
}

// leave ends a call that entered the gate.
func (g *gate) leave() { g.mu.RUnlock() }

// isClosed reports whether close has marked the gate closed.
func (g *gate) isClosed() bool { return g.closed.Load() }

// close waits for the calls in the gate, marks it closed, and calls
// release; the first call does, and every call returns release's result
// once it is known.
func (g *gate) close(release func() error) error {
	g.once.Do(func() {
		// Lock waits for the calls in the gate, and holds off those that
		// come meanwhile until they can see closed and fail.
		g.mu.Lock()
		g.closed.Store(true)
		g.mu.Unlock()
		g.err = release()
	})
	return g.err
}

// fsClosed is the error of the calls on a closed FS, wrapped in an
// *os.PathError or *os.LinkError that names the call and its files; like
// aio.ErrClosed, it matches os.ErrClosed. Calls on closed files fail with
// os.ErrClosed itself, as those of an os.File do.
type fsClosed struct{}

func (fsClosed) Error() string        { return "pebblevfs: the FS is closed" }
func (fsClosed) Is(target error) bool { return target == os.ErrClosed }

// closedFSError is the error of a call on a closed FS that names one file.
func closedFSError(op, name string) error {
	return &os.PathError{Op: op, Path: name, Err: fsClosed{}}
}

// closedFSLinkError is closedFSError for the calls that name two files.
func closedFSLinkError(op, oldname, newname string) error {
	return &os.LinkError{Op: op, Old: oldname, New: newname, Err: fsClosed{}}
}

// closedFileError is the error of a call on a closed file.
func closedFileError(op, name string) error {
	return &os.PathError{Op: op, Path: name, Err: os.ErrClosed}
}
