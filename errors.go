package aio

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrClosed is returned for operations on a closed Context or File, or on a
// File whose Context is closed. errors.Is(err, os.ErrClosed) also holds.
var ErrClosed = fmt.Errorf("aio: %w", os.ErrClosed)

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
	errEmptyBuffer    = &argError{"empty buffer: a read or write needs at least one byte"}
	errNegativeOffset = &argError{"negative offset"}
	errTooManyBuffers = &argError{fmt.Sprintf("more than %d buffers in one vectored request (the kernel's UIO_MAXIOV)", maxIovecs)}
)

func errUnknownFlags(f Flags) error {
	return &argError{fmt.Sprintf("unknown request flags %#x (known: %v)", uint32(f&^knownFlags), knownFlags)}
}

// alignmentError reports I/O that O_DIRECT would reject because an address,
// offset or length is not a multiple of what the file's storage requires.
type alignmentError struct {
	what  string // "buffer address", "offset", "length", ...
	value uint64
	align uint32
}

func (e *alignmentError) Error() string {
	fix := "use aio.NewBuf for aligned memory"
	if e.what == "offset" {
		fix = "choose an offset that is a multiple of it"
	} else if e.what != "buffer address" {
		fix = "round the length up to a multiple of it"
	}
	value := fmt.Sprint(e.value)
	if e.what == "buffer address" {
		value = fmt.Sprintf("%#x", e.value)
	}
	return fmt.Sprintf("%s %s is not a multiple of %d bytes, which O_DIRECT requires for this file (%s)", e.what, value, e.align, fix)
}

func (e *alignmentError) Unwrap() error { return syscall.EINVAL }

func pathError(op, path string, err error) error {
	return &os.PathError{Op: op, Path: path, Err: err}
}
