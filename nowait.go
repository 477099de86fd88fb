package aio

import (
	"fmt"
	"syscall"
)

// The NOWAIT path (WithNoWait). Without it, a read or write that the kernel
// cannot start without waiting (a buffered read of pages not in the page
// cache, a direct write that must allocate blocks, a full device queue)
// waits inside io_submit, holding up the requests submitted after it on the
// same File, and the goroutine that submits them. With it:
//
//   - every read and write goes to the kernel with RWF_NOWAIT (prepare), so
//     io_submit never waits; one that would have to completes at once with
//     EAGAIN instead;
//   - complete does not deliver that EAGAIN, but hands the request, still
//     armed and counted as a blocking request, as if it were queued, to one
//     of a fixed set of retriers: goroutines that may block;
//   - a retrier submits it again without RWF_NOWAIT, alone, with io_submit
//     waiting as long as it must on the retrier's thread; its completion
//     then comes as any other's, through the reaping (reap.go);
//   - a File whose filesystem does not support RWF_NOWAIT (io_submit
//     refuses the flag with EOPNOTSUPP) is marked: its requests go without
//     the flag from then on, and if it is buffered, where io_submit does the
//     I/O itself, straight to the retriers.
//
// So io_submit waits only on retriers' threads, at most noWaitWorkers of
// them at a time, and a request that has to wait delays only those behind
// it in the retriers' queue. Requests whose caller asked for FlagNoWait
// themselves are left alone: their EAGAIN is the caller's.

// WithNoWait makes the Context submit reads and writes with RWF_NOWAIT
// (Linux 4.14+) and have the ones that could not start without waiting
// done again by up to workers goroutines, which may wait in the kernel for
// them, instead of waiting in io_submit for the submitter. Each of those
// goroutines holds an OS thread while it waits. Off by default; use it when
// one File mixes requests that wait (buffered reads of cold data, writes
// that allocate) with requests that must not be held up behind them, or
// when goroutines that submit must not block. Requests that do not wait
// cost the same either way; one that does costs a second io_submit.
func WithNoWait(workers int) Option {
	return func(o *options) { o.noWaitWorkers = workers; o.noWait = true }
}

// maxNoWaitWorkers bounds WithNoWait's workers: each may hold a thread.
const maxNoWaitWorkers = 256

func checkNoWaitWorkers(n int) error {
	if n < 1 || n > maxNoWaitWorkers {
		return &argError{fmt.Sprintf("aio: NewContext: WithNoWait(%d): the number of workers must be from 1 to %d", n, maxNoWaitWorkers)}
	}
	return nil
}

// startRetriers starts n retriers, which stop when Close closes retries.
func (c *Context) startRetriers(n int) {
	c.retries = make(chan int32, c.maxEvents)
	for range n {
		go c.retrier()
	}
}

// noWaitFor reports whether a request on f with flags takes the NOWAIT
// path, and whether RWF_NOWAIT is to be added to it.
func (c *Context) noWaitFor(f *File, cmd uint16, flags Flags) (path, flag bool) {
	if c.retries == nil || flags&FlagNoWait != 0 {
		return false, false
	}
	switch cmd {
	case iocbCmdPread, iocbCmdPreadv:
		return true, !f.noWaitRefused[0].Load()
	case iocbCmdPwrite, iocbCmdPwritev:
		return true, !f.noWaitRefused[1].Load()
	}
	return false, false
}

// retryInstead reports whether the result res of the request in slot idx
// is not to be delivered but retried without RWF_NOWAIT, and hands it to a
// retrier if so.
//
// Besides EAGAIN, a read of no bytes is retried: Linux 5.10 completes a
// buffered RWF_NOWAIT read of pages that are not in the page cache with 0,
// not EAGAIN, which would otherwise pass for the end of the file. At a real
// end of file the retry costs one io_submit that returns at once.
func (c *Context) retryInstead(idx int32, res int64) bool {
	s := &c.slots[idx]
	if !s.noWait {
		return false
	}
	emptyRead := res == 0 && isWrite(s.cb.LioOpcode) == 0 && s.cb.Nbytes != 0
	if !emptyRead && res != -int64(syscall.EAGAIN) && res != -int64(syscall.EOPNOTSUPP) {
		return false
	}
	if res == -int64(syscall.EOPNOTSUPP) {
		f := s.file
		// Refused for another reason than RWF_NOWAIT: without it, or
		// with a flag that the file may lack as well.
		if flags := Flags(s.cb.RwFlags); flags&FlagNoWait == 0 || flags&(FlagAtomic|FlagDontCache|FlagNoAppend) != 0 {
			return false
		}
		f.noWaitRefused[isWrite(s.cb.LioOpcode)].Store(true)
	}
	c.retried.Add(1)
	c.retries <- idx
	return true
}

// bypass reports whether the request of slot idx, on f, goes straight to
// the retriers: it is on the NOWAIT path, f is buffered and the kernel
// refused RWF_NOWAIT for f's requests of its kind, so io_submit would do its
// I/O itself.
func (f *File) bypass(idx int32) bool {
	s := &f.ctx.slots[idx]
	return s.noWait && !f.direct && f.noWaitRefused[isWrite(s.cb.LioOpcode)].Load()
}

// isWrite returns 1 for the commands that write, 0 for the others.
func isWrite(cmd uint16) int {
	if cmd == iocbCmdPwrite || cmd == iocbCmdPwritev {
		return 1
	}
	return 0
}

// retrier submits the requests handed to it, one at a time, without
// RWF_NOWAIT, waiting in io_submit as long as the kernel makes it.
func (c *Context) retrier() {
	var batch [1]*iocb
	for idx := range c.retries {
		s := &c.slots[idx]
		s.noWait = false
		s.cb.RwFlags &^= int32(FlagNoWait)
		batch[0] = &s.cb
		c.submitBatch(batch[:], s.req != nil)
	}
}
