package aio

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// A File is an open file or block device whose reads, writes and syncs go
// through a Context's kernel AIO. It is safe for concurrent use.
type File struct {
	ctx       *Context
	file      *os.File
	fd        int32
	name      string
	direct    bool          // opened with O_DIRECT: alignment is checked
	append    bool          // opened with O_APPEND: the kernel ignores offsets of writes
	readable  bool          // opened for reading
	writable  bool          // opened for writing
	dir       bool          // a directory: it can be synced, not read or written
	readyKind string        // the kind of file, if it is always ready for polls
	align     alignment     // what O_DIRECT requires here
	strict    atomic.Bool   // misaligned calls fail instead of copying (bounce.go)
	atomic    atomicUnits   // what FlagAtomic writes may be (rwflags.go)
	priority  atomic.Uint32 // the Priority of requests that name none
	// noWaitRefused[write] is set once the kernel has refused RWF_NOWAIT
	// for the file's reads, or writes (nowait.go).
	noWaitRefused [2]atomic.Bool

	queue submitQueue // the File's requests on their way to io_submit

	offset fileOffset // where Read and Write go (offset.go)

	// Every operation holds mu for reading from before it submits until its
	// completion has been reaped; Close takes it for writing, so the
	// descriptor stays open while any request on it is queued or in flight.
	// closed is set under mu held for writing, and read under it by begin;
	// the public methods also read it first without mu (checkClosed), so
	// that a closed File says so before anything else.
	mu       sync.RWMutex
	closed   atomic.Bool
	closeErr error // what the first Close returned
}

// OpenFile opens the named file for direct I/O through c: it is os.OpenFile
// with O_DIRECT and O_CLOEXEC added to flag. Reads then work at any offset,
// of any length, into any memory (what O_DIRECT refuses goes through
// aligned memory of the package's own, at the cost of a copy); writes need
// an offset and a length aligned as the file's storage requires (see
// File.Alignment), and are copied first if their memory is not. Memory from
// AlignedBytes avoids the copies; for I/Os of a megabyte or more, NewBuf's
// huge pages let them reach the device whole.
//
// O_DSYNC in flag makes every write durable before it completes, as
// FlagDSync does for one write; O_SYNC, as FlagSync does. Both apply to
// asynchronous writes as to write(2).
//
// Filesystems that do not support O_DIRECT (tmpfs before Linux 6.6, procfs,
// some FUSE filesystems) refuse the open with an error that matches
// syscall.EINVAL and says so.
func (c *Context) OpenFile(name string, flag int, perm os.FileMode) (*File, error) {
	if c.closed.Load() {
		return nil, pathError("open", name, errContextClosed)
	}
	f, err := os.OpenFile(name, flag|syscall.O_DIRECT|syscall.O_CLOEXEC, perm)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok && pe.Err == syscall.EINVAL {
			pe.Err = &hintError{errno: syscall.EINVAL, hint: noDirectIOHint(name)}
		}
		return nil, err
	}
	file, err := c.bind(f, name)
	if err != nil {
		f.Close()
		return nil, err
	}
	return file, nil
}

// noDirectIOHint explains an EINVAL from opening name with O_DIRECT.
func noDirectIOHint(name string) string {
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return "it is a directory, which cannot be opened with O_DIRECT; open it with os.Open and Context.NewFile to sync it"
	}
	var fs unix.Statfs_t
	if unix.Statfs(filepath.Dir(name), &fs) == nil && fs.Type == unix.TMPFS_MAGIC {
		return "this file is on tmpfs, which supports O_DIRECT only since Linux 6.6; use a newer kernel, a file on a disk filesystem such as ext4 or xfs, or a block device"
	}
	return "the filesystem probably does not support O_DIRECT; use a file on a disk filesystem such as ext4 or xfs, or a block device"
}

// NewFile binds an open file to c and takes ownership of it: File.Close
// closes it, and f must not be used or closed elsewhere meanwhile. The file's
// flags are used as they are: without O_DIRECT, the kernel does the I/O
// through the page cache, usually synchronously inside io_submit.
func (c *Context) NewFile(f *os.File) (*File, error) {
	if c.closed.Load() {
		name := "<nil>"
		if f != nil {
			name = f.Name()
		}
		return nil, pathError("aio", name, errContextClosed)
	}
	if f == nil {
		return nil, errNilFile
	}
	return c.bind(f, f.Name())
}

func (c *Context) bind(f *os.File, name string) (*File, error) {
	file := &File{ctx: c, file: f, name: name}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var fdErr error
	// Control, not Fd: Fd would switch a poller-registered descriptor to
	// blocking mode.
	err = rc.Control(func(fd uintptr) {
		file.fd = int32(fd)
		var flags int
		if flags, fdErr = unix.FcntlInt(fd, unix.F_GETFL, 0); fdErr != nil {
			return
		}
		file.direct = flags&syscall.O_DIRECT != 0
		file.append = flags&syscall.O_APPEND != 0
		mode := flags & syscall.O_ACCMODE
		file.readable = mode == syscall.O_RDONLY || mode == syscall.O_RDWR
		file.writable = mode == syscall.O_WRONLY || mode == syscall.O_RDWR
		var st unix.Stat_t
		if fdErr = unix.Fstat(int(fd), &st); fdErr != nil {
			return
		}
		file.dir = st.Mode&unix.S_IFMT == unix.S_IFDIR
		file.readyKind = alwaysReady(st.Mode)
		file.align = defaultAlignment
		file.atomic = atomicWriteUnits(int(fd))
		if file.direct {
			file.align = directIOAlignment(int(fd))
		}
	})
	if err == nil {
		err = fdErr
	}
	if err != nil {
		return nil, pathError("fcntl", name, err)
	}
	if !c.register(file) {
		return nil, pathError("open", name, errContextClosed)
	}
	return file, nil
}

// Name returns the name the file was opened with.
func (f *File) Name() string { return f.name }

// Direct reports whether the file does direct I/O (O_DIRECT), and so whether
// addresses, offsets and lengths must be aligned.
func (f *File) Direct() bool { return f.direct }

// Alignment returns what O_DIRECT requires of this file's I/O: buffer
// addresses a multiple of mem bytes, offsets and lengths a multiple of
// offset bytes. The values come from statx (STATX_DIOALIGN) where the kernel
// reports them, else from the block device's logical block size, else 512.
// For a file without O_DIRECT both are 1.
func (f *File) Alignment() (mem, offset int) {
	if !f.direct {
		return 1, 1
	}
	return int(f.align.mem), int(f.align.offset)
}

// SetStrictAlignment chooses what the reads and writes of File (ReadAt,
// WriteAt, the vectored calls and their Context forms) do on a file with
// O_DIRECT when the memory, offset or length of a call is not aligned as the
// file requires (see Alignment). By default (strict false) the call goes
// through aligned memory of the package's own: a read reads the covering
// aligned range and copies out the part asked for; a write from a
// misaligned address is copied in first. That costs a copy and requests of
// at most 128 KiB. With strict true, such calls fail with an error that
// matches syscall.EINVAL and says what is misaligned, as batch requests
// always do. Either way, a write whose offset or length is misaligned
// fails: writing the covering range would overwrite the bytes around it.
func (f *File) SetStrictAlignment(strict bool) { f.strict.Store(strict) }

// Close closes the file. Its requests that have not been submitted yet fail
// with ErrClosed; Close waits for those in flight to complete before it
// closes the descriptor. (A request inside an io_submit that blocks, such as
// a read on an empty FIFO, is in flight.)
//
// Every other method called after Close, or while it runs, fails with
// ErrClosed (matching os.ErrClosed, as os.File's do) before it looks at its
// arguments, or, having started before Close, completes first; the methods
// that return no error return what they returned before (Fd returns
// ^uintptr(0)). Close may be called more than once, also concurrently: every
// call waits until the descriptor is closed and returns what the first call
// returned. (A second os.File.Close returns os.ErrClosed instead.)
func (f *File) Close() error {
	f.closeQueue()
	stop := f.ctx.cancelPollsUntil(f)
	f.mu.Lock()
	stop()
	defer f.mu.Unlock()
	if f.closed.Load() {
		return f.closeErr
	}
	f.closed.Store(true)
	f.ctx.unregister(f)
	f.closeErr = f.file.Close()
	return f.closeErr
}

// checkClosed returns the error of operation op if f or its Context is
// closed, and nil otherwise. The public methods call it before they look at
// their arguments; begin checks again, under the lock, for a Close that
// comes meanwhile.
func (f *File) checkClosed(op string) error {
	if f.closed.Load() || f.ctx.closed.Load() {
		return pathError(op, f.name, f.closedError())
	}
	return nil
}

// closedError says whether f or its Context was closed.
func (f *File) closedError() error {
	if !f.closed.Load() && f.ctx.closed.Load() {
		return errContextClosed
	}
	return ErrClosed
}

// begin marks the start of an operation on f; end must follow it.
func (f *File) begin(op string) error {
	f.mu.RLock()
	return f.checkOpen(op)
}

// checkOpen fails, releasing the read lock the caller took, if f or its
// Context is closed.
func (f *File) checkOpen(op string) error {
	if f.closed.Load() || f.ctx.closed.Load() {
		f.mu.RUnlock()
		return pathError(op, f.name, f.closedError())
	}
	return nil
}

func (f *File) end() { f.mu.RUnlock() }
