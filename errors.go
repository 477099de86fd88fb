package aio

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrClosed is returned for operations on a closed Context or File, or on a
// File whose Context is closed. errors.Is(err, os.ErrClosed) also holds.
// The error of an operation on a File whose Context was closed says so, and
// matches ErrClosed all the same.
var ErrClosed = fmt.Errorf("aio: %w", os.ErrClosed)

// errContextClosed is ErrClosed for the operations of a Context that is
// closed, and of its Files: it says which was closed.
var errContextClosed error = contextClosedError{}

type contextClosedError struct{}

func (contextClosedError) Error() string { return "aio: the Context is closed" }

func (contextClosedError) Is(target error) bool {
	return target == ErrClosed || target == os.ErrClosed
}

// hintError is a system error with an explanation of its likely cause and
// fix. It unwraps to the errno, so errors.Is(err, syscall.EAGAIN) and the like
// keep working.
type hintError struct {
	errno       syscall.Errno
	hint        string
	unsupported bool // also matches errors.ErrUnsupported
}

func (e *hintError) Error() string { return e.errno.Error() + ": " + e.hint }
func (e *hintError) Unwrap() error { return e.errno }

func (e *hintError) Is(target error) bool {
	return e.unsupported && target == errors.ErrUnsupported
}

// argError reports a bad argument that was caught before it reached the
// kernel. It unwraps to EINVAL, which the kernel would have returned.
type argError struct{ msg string }

func (e *argError) Error() string { return e.msg }
func (e *argError) Unwrap() error { return syscall.EINVAL }

var (
	errEmptyBuffer = &argError{"empty buffer: a read or write needs at least one byte"}

	errAppendFromMisaligned = &argError{"an appending vectored write from misaligned memory would go in pieces that other appends could come between: use aio.AlignedBytes or aio.NewBuf for its buffers, or WriteAt"}
	errAtomicFromMisaligned = &argError{"an atomic vectored write from misaligned memory would go in pieces, each atomic only on its own: use aio.AlignedBytes or aio.NewBuf for its buffers, or WriteAt"}
	errNegativeOffset       = &argError{"negative offset"}
	errTooManyBuffers       = &argError{fmt.Sprintf("more than %d buffers in one vectored request (the kernel's UIO_MAXIOV)", maxIovecs)}
	errTooLong              = &argError{"the buffers of one vectored request add up to more than the largest int"}
	errDirectory            = &argError{"it is a directory: a directory can be synced, but reads and writes need a regular file or a device"}
	errNilFile              = &argError{"aio: NewFile needs an open *os.File, not nil"}
	errNotReadable          = &hintError{errno: syscall.EBADF, hint: "the file is not open for reading (it was opened with O_WRONLY)"}
	errNotWritable          = &hintError{errno: syscall.EBADF, hint: "the file is not open for writing (it was opened with O_RDONLY); open it with O_RDWR or O_WRONLY"}
)

func errOffsetOverflow(off int64, length int) error {
	return &argError{fmt.Sprintf("offset %d plus length %d is beyond the largest file offset (%d)", off, length, int64(math.MaxInt64))}
}

func errUnknownFlags(f Flags) error {
	return &argError{fmt.Sprintf("unknown request flags %#x (known: %v)", uint32(f&^knownFlags), knownFlags)}
}

// alignmentError reports I/O that O_DIRECT would reject because an address,
// offset or length is not a multiple of what the file's storage requires.
type alignmentError struct {
	what  string // "buffer address", "offset", "length", ...
	value uint64
	align uint32
	write bool // a write's offset or length, which no copy can make right
}

func (e *alignmentError) Error() string {
	fix := "use aio.AlignedBytes or aio.NewBuf for aligned memory"
	switch {
	case e.write:
		fix = "a write cannot be copied through aligned memory there, as the bytes around it would be overwritten: write whole blocks, or open the file without O_DIRECT (os.OpenFile and Context.NewFile)"
	case e.what == "offset":
		fix = "choose an offset that is a multiple of it"
	case e.what != "buffer address":
		fix = "round the length up to a multiple of it"
	}
	value := fmt.Sprint(e.value)
	if e.what == "buffer address" {
		value = fmt.Sprintf("%#x", e.value)
	}
	return fmt.Sprintf("%s %s is not a multiple of %d bytes, which O_DIRECT requires for this file (%s)", e.what, value, e.align, fix)
}

func (e *alignmentError) Unwrap() error { return syscall.EINVAL }

// offsetError is the error of a read or write that failed in the kernel:
// the errno, and where the request was.
type offsetError struct {
	off int64
	err error
}

func (e *offsetError) Error() string {
	return "at offset " + strconv.FormatInt(e.off, 10) + ": " + e.err.Error()
}

func (e *offsetError) Unwrap() error { return e.err }

// resultError is the error of a request on f (command cmd at offset off,
// with flags and priority prio) that completed with result res < 0: an
// *os.PathError naming the file, and the offset where the caller chose it
// (not for syncs, polls and appending writes).
func (f *File) resultError(op string, cmd uint16, off int64, res int64, flags Flags, prio Priority) error {
	if res == resClosed {
		return pathError(op, f.name, f.closedError())
	}
	off = f.offsetOf(cmd, off, flags)
	errno := syscall.Errno(-res)
	err := errnoErr(errno)
	if hint := explain(cmd, errno, flags, prio); hint != "" {
		err = &hintError{errno: errno, hint: hint, unsupported: errno == syscall.EOPNOTSUPP}
	} else if hint := f.appendHint(cmd, errno, flags); hint != "" {
		err = &hintError{errno: errno, hint: hint}
	}
	if off >= 0 {
		err = &offsetError{off: off, err: err}
	}
	return pathError(op, f.name, err)
}

// offsetOf returns the offset of a request for its error, or -1 if it has
// none that the caller chose.
func (f *File) offsetOf(cmd uint16, off int64, flags Flags) int64 {
	switch cmd {
	case iocbCmdPread, iocbCmdPreadv:
		return off
	case iocbCmdPwrite, iocbCmdPwritev:
		if !f.appends(flags) {
			return off
		}
	}
	return -1
}

// explain returns the likely cause of the kernel's errno for a request
// (command cmd, with flags and priority prio), where the errno alone would leave the caller
// guessing, or "".
func explain(cmd uint16, errno syscall.Errno, flags Flags, prio Priority) string {
	if hint := priorityHint(errno, prio); hint != "" {
		return hint
	}
	if cmd == iocbCmdPoll && errno == syscall.EINVAL {
		return "this kind of file cannot be polled through AIO (it has more than one wait queue, or IOCB_CMD_POLL needs Linux 4.19 or later)"
	}
	switch errno {
	case syscall.EOPNOTSUPP:
		if hint := missingFlags(flags); hint != "" {
			return hint
		}
		switch {
		case flags&FlagNoWait != 0:
			return "this file does not support RWF_NOWAIT: network and FUSE filesystems (NFS, 9p, CephFS) lack it, and some filesystems lack it for buffered writes; submit without FlagNoWait"
		case flags&FlagDontCache != 0:
			return "this file's filesystem does not support RWF_DONTCACHE (ext4, xfs and btrfs do since Linux 6.14 or 6.15; DAX files never do)"
		case flags&FlagAtomic != 0:
			return "the kernel refused the atomic write (RWF_ATOMIC) for this file"
		}
	case syscall.EAGAIN:
		if flags&FlagNoWait != 0 {
			return "the request would have had to wait (RWF_NOWAIT); submit it again without FlagNoWait"
		}
	case syscall.EPERM:
		if flags&FlagNoAppend != 0 {
			return "the file is append-only (chattr +a), so it cannot be written elsewhere than at its end (RWF_NOAPPEND)"
		}
	}
	return ""
}

// appendHint explains an EINVAL of an appending write on a file with
// O_DIRECT whose end is not aligned: the kernel writes at the end, so the end
// must be aligned as any offset must, and only the kernel knows where the end
// is when the write reaches it. It returns "" for any other error. The
// caller holds f open.
func (f *File) appendHint(cmd uint16, errno syscall.Errno, flags Flags) string {
	if errno != syscall.EINVAL || !f.direct || !f.appends(flags) || (cmd != iocbCmdPwrite && cmd != iocbCmdPwritev) {
		return ""
	}
	var st unix.Stat_t
	if unix.Fstat(int(f.fd), &st) != nil || st.Size%int64(f.align.offset) == 0 {
		return ""
	}
	return fmt.Sprintf("the write appends, at the end of the file, which is at byte %d: not a multiple of %d bytes, which O_DIRECT requires of offsets for this file (make the file's size a multiple of it before appending with O_DIRECT, or append through a File without O_DIRECT)", st.Size, f.align.offset)
}

func pathError(op, path string, err error) error {
	return &os.PathError{Op: op, Path: path, Err: err}
}
