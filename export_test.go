package aio

// SetPollDepth makes calls on c signal the poller from depth n on, instead
// of pollDepth, so that tests can mix both ways of reaping without hundreds
// of requests in the kernel.
func SetPollDepth(c *Context, n int) { c.pollDepth = int64(n) }

// NoWaitRetries returns how many requests of c the NOWAIT path has handed to
// its retriers.
func NoWaitRetries(c *Context) uint64 { return c.retried.Load() }

// NoWaitRefused reports whether the kernel has refused RWF_NOWAIT for f's
// reads, or writes.
func NoWaitRefused(f *File, write bool) bool {
	if write {
		return f.noWaitRefused[1].Load()
	}
	return f.noWaitRefused[0].Load()
}

// SysIoSubmit is io_submit's system call number here.
const SysIoSubmit = sysIoSubmit
