// Package aio is Linux kernel-native asynchronous I/O (io_setup, io_submit,
// io_getevents) for Go. Waiting goroutines take turns at reaping
// completions, at most one of them inside io_getevents at a time, and deeper
// queues are reaped through the Go runtime's poller: no OS thread is held
// per request, so a program can keep hundreds of reads in flight on a
// handful of threads.
//
// A Context owns a kernel AIO context and bounds how many requests are in
// flight. Files opened through it use O_DIRECT, so reads and writes go
// straight between the caller's memory and the device when memory, offset
// and length are aligned as the device requires; AlignedBytes and Buf
// provide such memory. Reads that are not aligned, and writes from memory
// that is not, go through aligned memory of the package's own, so that a
// File is an io.ReaderAt for any buffer at any offset.
//
// The kernel holds the addresses of a request and of its buffers from
// io_submit until the request completes. The package keeps both reachable
// and in place for that whole time, and no call returns while the kernel may
// still write into the caller's memory.
package aio

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// A Context is a kernel AIO context: a completion ring, an eventfd that the
// kernel signals when requests submitted at depth complete, and a bounded
// set of request slots. It is safe for concurrent use by many goroutines.
type Context struct {
	kernelContext // the kernel's context, and how to reap it (getevents.go)
	maxEvents     int
	ring          *ring // nil when completions are reaped with a system call

	slots []slot     // kernel-visible request state, one per request in flight
	free  chan int32 // indexes of free slots

	reaper reaper  // see reap.go
	polls  pollSet // the polls in flight, which Close cancels (poll.go)
	// pollFile submits the polls of descriptors that are not Files.
	pollFile *File
	retries  chan int32    // requests for the retriers, if WithNoWait (nowait.go)
	retried  atomic.Uint64 // requests handed to the retriers

	pollDepth   int64    // pollDepth, but for tests (poller.go)
	eventfd     int32    // signalled by requests submitted at depth (poller.go)
	eventfdFile *os.File // the same eventfd, registered with the poller
	eventfdConn syscall.RawConn
	queue       *Queue        // the default Queue, of Context.Submit and Wait
	drained     chan struct{} // closed once Close has every slot back (queue.go)

	filesMu sync.Mutex
	files   map[*File]struct{} // open Files, whose queues Close withdraws

	closing   chan struct{} // closed when Close starts
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// An Option configures a Context.
type Option func(*options)

type options struct {
	syscallReaping bool
	noWait         bool
	noWaitWorkers  int
}

// WithSyscallReaping makes the Context reap completions with io_getevents
// even where it could read them from the completion ring in user space.
func WithSyscallReaping() Option {
	return func(o *options) { o.syscallReaping = true }
}

// NewContext creates a Context that allows maxEvents requests in flight at
// once. Requests beyond that wait for a free slot; they are not refused.
//
// The kernel counts the contexts' events against the system-wide limit
// fs.aio-max-nr; when it would be exceeded, NewContext returns an error that
// matches syscall.EAGAIN and says so. Where the kernel has no AIO, or a
// seccomp profile forbids it, the error also matches errors.ErrUnsupported.
func NewContext(maxEvents int, opts ...Option) (*Context, error) {
	if maxEvents <= 0 || maxEvents > 1<<20 {
		return nil, &argError{fmt.Sprintf("aio: NewContext: maxEvents %d is out of range: it must be between 1 and %d", maxEvents, 1<<20)}
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.noWait {
		if err := checkNoWaitWorkers(o.noWaitWorkers); err != nil {
			return nil, err
		}
	}

	var id contextID
	if err := ioSetup(uint32(maxEvents), &id); err != nil {
		return nil, os.NewSyscallError("io_setup", setupError(err, maxEvents))
	}
	c := &Context{
		kernelContext: kernelContext{id: id},
		maxEvents:     maxEvents,
		slots:         make([]slot, maxEvents),
		free:          make(chan int32, maxEvents),
		files:         make(map[*File]struct{}),
		closing:       make(chan struct{}),
		pollDepth:     pollDepth,
	}

	if err := c.setupCompletions(!o.syscallReaping); err != nil {
		ioDestroy(c.id)
		return nil, err
	}
	for i := range c.slots {
		c.slots[i].done = make(chan struct{}, 1)
		c.free <- int32(i)
	}
	c.queue = c.NewQueue()
	c.pollFile = &File{ctx: c, fd: -1, name: "poll", direct: true}
	c.files[c.pollFile] = struct{}{}
	c.drained = make(chan struct{})
	c.initReaper(maxEvents)
	if o.noWait {
		c.startRetriers(o.noWaitWorkers)
	}
	go c.pollLoop()
	return c, nil
}

// setupCompletions chooses how completions are read: from the ring if
// useRing and the kernel's layout is known, and, for waiting, with a system
// call that works here.
func (c *Context) setupCompletions(useRing bool) error {
	if useRing {
		c.ring = mapRing(c.id)
	}
	// Leaders wait in a system call even where the ring is read.
	if err := c.chooseGetevents(); err != nil {
		return err
	}
	return c.setupPoller()
}

// setupError explains why io_setup failed.
func setupError(err error, maxEvents int) error {
	errno, ok := err.(syscall.Errno)
	if !ok {
		return err
	}
	switch errno {
	case syscall.EAGAIN:
		return &hintError{errno: errno, hint: fmt.Sprintf(
			"%d more events would exceed the system-wide limit fs.aio-max-nr (%s, in use %s); raise it with sysctl fs.aio-max-nr, or use fewer or smaller contexts",
			maxEvents, readSysctl("aio-max-nr"), readSysctl("aio-nr"))}
	case syscall.ENOSYS:
		return &hintError{errno: errno, hint: "this kernel was built without AIO (CONFIG_AIO)", unsupported: true}
	case syscall.EPERM:
		return &hintError{errno: errno, hint: "the AIO system calls are forbidden here, for example by a seccomp profile", unsupported: true}
	case syscall.EINVAL:
		return &hintError{errno: errno, hint: fmt.Sprintf("the kernel refused %d events", maxEvents)}
	}
	return err
}

func readSysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/fs/" + name)
	if err != nil {
		return "unknown"
	}
	return string(bytes.TrimSpace(b))
}

// register adds f to the Files whose queues Close withdraws, unless the
// Context is closed.
func (c *Context) register(f *File) bool {
	c.filesMu.Lock()
	defer c.filesMu.Unlock()
	if c.closed.Load() {
		return false
	}
	c.files[f] = struct{}{}
	return true
}

func (c *Context) unregister(f *File) {
	c.filesMu.Lock()
	delete(c.files, f)
	c.filesMu.Unlock()
}

// MaxEvents returns the number of requests the Context allows in flight.
func (c *Context) MaxEvents() int { return c.maxEvents }

// Close waits for every request in flight to complete, then releases the
// kernel context. Operations that have not been submitted when Close starts,
// including those waiting for a free slot or queued for io_submit, fail with
// ErrClosed. (A request inside an io_submit that blocks, such as a read on an
// empty FIFO, is in flight: Close waits for it.) Close does not close the
// Context's Files, but their operations fail with ErrClosed afterwards.
// Calling Close again returns the first call's result.
//
// A Context that is never closed keeps its goroutine, its eventfd and its
// kernel context (counted against fs.aio-max-nr) until the process exits.
func (c *Context) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		close(c.closing)
		c.filesMu.Lock()
		for f := range c.files {
			f.closeQueue()
		}
		c.filesMu.Unlock()
		// Polls may never complete by themselves.
		stop := c.cancelPollsUntil(nil)
		for range c.maxEvents {
			<-c.free // every slot back: nothing is in flight
		}
		stop()
		c.reaper.mu.Lock()
		c.reaper.destroyed = true
		c.reaper.mu.Unlock()
		c.eventfdFile.Close()
		<-c.reaper.pollStopped
		c.reaper.keeper.Stop()
		if c.retries != nil {
			close(c.retries)
		}
		close(c.drained)
		if err := ioDestroy(c.id); err != nil {
			c.closeErr = os.NewSyscallError("io_destroy", err)
		}
	})
	return c.closeErr
}
