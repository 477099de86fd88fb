package aio

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// A Buf is memory for direct I/O: anonymous memory mapped outside the Go
// heap, aligned to the page size, which satisfies the alignment O_DIRECT
// needs on every common device. It is not moved or freed by the garbage
// collector; call Free when done with it, and not while I/O uses it.
type Buf struct {
	// mem is the whole mapping, nil once freed.
	mem    atomic.Pointer[[]byte]
	size   int
	locked bool

	free    sync.Once // of concurrent Frees, one unmaps and the others wait
	freeErr error     // what the Free that unmapped returned
}

// NewBuf maps size bytes of zeroed, page-aligned memory. A buffer of at
// least a transparent huge page (2 MiB on most architectures) is aligned to
// one and asks the kernel for huge pages (MADV_HUGEPAGE), which it gives
// where it has them free: large direct I/Os from such memory reach the
// device whole, not split for having too many segments. Allocate the
// buffers of many large I/Os as one Buf and slice it to have that.
func NewBuf(size int) (*Buf, error) {
	return newBuf(size, false)
}

// NewLockedBuf is NewBuf with the memory locked into RAM (mlock), so that it
// is never paged out. The amount of memory a process without CAP_IPC_LOCK
// (root has it) may lock is limited by RLIMIT_MEMLOCK (ulimit -l); beyond it
// NewLockedBuf fails with an error that says so.
func NewLockedBuf(size int) (*Buf, error) {
	return newBuf(size, true)
}

func newBuf(size int, lock bool) (*Buf, error) {
	if size <= 0 {
		return nil, fmt.Errorf("aio: buffer size %d: it must be positive", size)
	}
	page := os.Getpagesize()
	mapped := (size + page - 1) / page * page
	if mapped < size {
		return nil, fmt.Errorf("aio: buffer size %d is too large", size)
	}
	mem, err := mapAnonymous(mapped)
	if err != nil {
		return nil, fmt.Errorf("aio: mapping %d bytes: %w", size, os.NewSyscallError("mmap", err))
	}
	if lock {
		if err := unix.Mlock(mem); err != nil {
			unmapAnonymous(mem)
			return nil, lockError(size, err)
		}
	}
	b := &Buf{size: size, locked: lock}
	b.mem.Store(&mem)
	return b, nil
}

func lockError(size int, err error) error {
	errno, _ := err.(syscall.Errno)
	if errno == syscall.ENOMEM || errno == syscall.EPERM || errno == syscall.EAGAIN {
		var lim unix.Rlimit
		limit := "unknown"
		if unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim) == nil {
			limit = fmt.Sprintf("%d bytes", lim.Cur)
		}
		return fmt.Errorf("aio: locking %d bytes: %w", size, os.NewSyscallError("mlock", &hintError{
			errno: errno,
			hint:  "RLIMIT_MEMLOCK (" + limit + ") does not allow it; raise it (ulimit -l, LimitMEMLOCK= in systemd) or use NewBuf, which does not lock",
		}))
	}
	return fmt.Errorf("aio: locking %d bytes: %w", size, os.NewSyscallError("mlock", err))
}

// Bytes returns the buffer's memory, Len bytes long. It is nil after Free,
// and for a nil *Buf.
func (b *Buf) Bytes() []byte {
	if b == nil {
		return nil
	}
	mem := b.mem.Load()
	if mem == nil {
		return nil
	}
	return (*mem)[:b.size:b.size]
}

// Len returns the buffer's size in bytes, 0 after Free and for a nil *Buf.
func (b *Buf) Len() int {
	if b == nil || b.mem.Load() == nil {
		return 0
	}
	return b.size
}

// Locked reports whether the memory is locked into RAM. It does not change
// when the buffer is freed.
func (b *Buf) Locked() bool { return b != nil && b.locked }

var errNilBuf = errors.New("aio: Free of a nil *Buf (did NewBuf fail?)")

// Free unmaps the memory. Slices from Bytes must not be used afterwards, and
// no I/O may be using them when Free is called. Free may be called more
// than once, also concurrently: every call returns once the memory is
// unmapped, with what the first call returned.
func (b *Buf) Free() error {
	if b == nil {
		return errNilBuf
	}
	b.free.Do(func() {
		mem := b.mem.Swap(nil)
		if mem == nil {
			b.freeErr = errors.New("aio: Free of a Buf that NewBuf did not make")
			return
		}
		if err := unmapAnonymous(*mem); err != nil {
			b.freeErr = os.NewSyscallError("munmap", err)
		}
	})
	return b.freeErr
}
