package aio

import (
	"context"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Poll waits until the descriptor fd is ready for events (unix.POLLIN,
// unix.POLLOUT and the like, or'ed together) and returns the events it is
// ready for, which can include unix.POLLERR and unix.POLLHUP whatever
// events says. It is one request in c (IOCB_CMD_POLL, Linux 4.19+), so a
// pipe, socket, eventfd, timerfd or terminal can be waited for among disk
// I/O, in the same Context and through the same reaping; the wait holds no
// OS thread.
//
// fd must stay open until Poll returns. Regular files, directories and block
// devices are always ready, and Poll refuses them with an error. If ctx is
// done first, Poll has the kernel cancel the request and returns ctx.Err().
// Context.Close cancels the polls in flight, which then fail with ErrClosed.
func (c *Context) Poll(ctx context.Context, fd int, events int16) (int16, error) {
	name := "fd " + strconv.Itoa(fd)
	if c.closed.Load() {
		return 0, pathError("poll", name, errContextClosed)
	}
	if fd < 0 || fd > 1<<31-1 {
		return 0, pathError("poll", name, &argError{"not a file descriptor"})
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, pathError("poll", name, err)
	}
	if kind := alwaysReady(st.Mode); kind != "" {
		return 0, pathError("poll", name, errPollAlwaysReady(kind))
	}
	return c.pollFile.poll(ctx, name, int32(fd), events)
}

// alwaysReady names the kind of file of mode if files of that kind are
// always ready, as poll(2) says of them, or returns "".
func alwaysReady(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "a regular file"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFBLK:
		return "a block device"
	}
	return ""
}

func errPollAlwaysReady(kind string) error {
	return &argError{"it is " + kind + ", which is always ready for reading and writing: poll is for pipes, sockets, eventfds, timerfds, terminals and the like"}
}

var errPollFlags = &argError{"OpPoll takes no Flags"}

// checkPoll checks an OpPoll request on f with flags.
func (f *File) checkPoll(flags Flags) error {
	if flags != 0 {
		return errPollFlags
	}
	if f.readyKind != "" {
		return errPollAlwaysReady(f.readyKind)
	}
	return nil
}

// poll runs a Context.Poll on fd through f, the Context's File for
// descriptors that are not Files, as do runs a read.
func (f *File) poll(ctx context.Context, name string, fd int32, events int16) (int16, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := f.begin("poll"); err != nil {
		return 0, pathError("poll", name, errContextClosed)
	}
	defer f.end()
	c := f.ctx
	idx, err := c.acquire(ctx)
	if err != nil {
		if err == errContextClosed {
			err = pathError("poll", name, err)
		}
		return 0, err
	}
	f.preparePoll(idx, fd, events)
	f.submit(false, idx)
	res := f.await(ctx, idx)
	c.release(idx)
	switch {
	case res == resWithdrawn, pollCancelled(res) && ctx.Err() != nil:
		return 0, ctx.Err()
	case res >= 0:
		return int16(res), nil
	case res == resClosed:
		return 0, pathError("poll", name, errContextClosed)
	}
	errno := syscall.Errno(-res)
	if hint := explain(iocbCmdPoll, errno, 0, 0); hint != "" {
		return 0, pathError("poll", name, &hintError{errno: errno, hint: hint})
	}
	return 0, pathError("poll", name, errno)
}

// preparePoll fills slot idx for a poll of fd for events, on f. A poll may
// wait for ever, so it always signals the eventfd: nobody has to wait for it
// in the kernel (see reap.go). It is counted among the polls in flight,
// which Close cancels.
func (f *File) preparePoll(idx int32, fd int32, events int16) {
	c := f.ctx
	s := &c.slots[idx]
	s.polled = true
	s.cb = iocb{
		Data:      uint64(idx),
		LioOpcode: iocbCmdPoll,
		Fildes:    uint32(fd),
		Buf:       uint64(uint16(events)),
		Flags:     iocbFlagResfd,
		Resfd:     uint32(c.eventfd),
	}
	s.poll = true
	c.polls.add(idx, f)
}

// A pollSet is the polls in flight: requests that may never complete by
// themselves, and that Close must therefore cancel. The slot of a poll
// stays in the set from preparation until its completion is delivered,
// which takes the set's lock to leave it; so while the lock is held, a slot
// in the set is not reused, and io_cancel cannot hit another request.
type pollSet struct {
	mu    sync.Mutex
	slots map[int32]pollEntry
}

type pollEntry struct {
	f       *File // the File whose request it is
	closing bool  // Close cancelled it: its ECANCELED means ErrClosed
}

func (ps *pollSet) add(idx int32, f *File) {
	ps.mu.Lock()
	if ps.slots == nil {
		ps.slots = make(map[int32]pollEntry)
	}
	ps.slots[idx] = pollEntry{f: f}
	ps.mu.Unlock()
}

// pollCancelled reports whether res is the result of a cancelled poll. The
// kernel completes one that io_cancel found with no events (a poll that
// completes by itself has at least one), and some kernels with ECANCELED.
func pollCancelled(res int64) bool {
	return res == 0 || res == -int64(syscall.ECANCELED)
}

// remove takes slot idx out of the set as its result res is delivered, and
// returns the result to deliver: ErrClosed's instead of a cancelled poll's
// if Close cancelled it.
func (ps *pollSet) remove(idx int32, res int64) int64 {
	ps.mu.Lock()
	e := ps.slots[idx]
	delete(ps.slots, idx)
	ps.mu.Unlock()
	if e.closing && pollCancelled(res) {
		return resClosed
	}
	return res
}

// cancel asks the kernel to cancel the polls in flight on f, or all of them
// if f is nil, and reports whether any were left to cancel. One that is on
// its way into the kernel is not found there yet; the caller tries again.
func (c *Context) cancelPolls(f *File) bool {
	ps := &c.polls
	ps.mu.Lock()
	defer ps.mu.Unlock()
	any := false
	for idx, e := range ps.slots {
		if f != nil && e.f != f {
			continue
		}
		any = true
		e.closing = true
		ps.slots[idx] = e
		var ev ioEvent
		ioCancel(c.id, &c.slots[idx].cb, &ev)
	}
	return any
}

// pollCancelRetry is how often Close asks again to cancel polls that were on
// their way into the kernel when it asked first.
const pollCancelRetry = time.Millisecond

// cancelPollsUntil cancels f's polls in flight (every poll if f is nil),
// again every pollCancelRetry until stop is called, so that a Close waiting
// for requests to complete is not left waiting for a poll.
func (c *Context) cancelPollsUntil(f *File) (stop func()) {
	if !c.cancelPolls(f) {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(pollCancelRetry)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if !c.cancelPolls(f) {
					return
				}
			}
		}
	}()
	return func() { close(done) }
}
