package aio

// SetPollDepth makes calls on c signal the poller from depth n on, instead
// of pollDepth, so that tests can mix both ways of reaping without hundreds
// of requests in the kernel.
func SetPollDepth(c *Context, n int) { c.pollDepth = int64(n) }
