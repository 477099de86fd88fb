package wal

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// A storage is what the logs need of their file: reads, plain writes of
// aligned blocks, and fdatasync.
type storage interface {
	ReadAt(p []byte, off int64) (int, error)
	writeAt(ctx context.Context, p []byte, off int64) error
	datasync(ctx context.Context) error
}

// zeroChunk is the size of each write of zeroes, but for those of a round
// that paces (see pacer).
const zeroChunk = 1 << 20

// zeroFill writes zeroes from zeros over [from, to), both multiples of the
// block size, then makes them durable with fdatasync, which also commits
// the file's new size and extents. Before each write it calls next, which
// returns the size of the write, at most len(zeros) and a multiple of the
// block size; next is given how long the last write took, and how many
// bytes of the round are written and left.
func zeroFill(ctx context.Context, st storage, zeros []byte, from, to int64, next func(took time.Duration, written, left int64) int) error {
	var took time.Duration
	for off := from; off < to; {
		n := min(int64(next(took, off-from, to-off)), to-off)
		start := time.Now()
		if err := st.writeAt(ctx, zeros[:n], off); err != nil {
			return err
		}
		took = time.Since(start)
		off += n
	}
	return st.datasync(ctx)
}

// A preallocator keeps the file written with zeroes ahead of the end of
// the log, in the background, so that the log's own writes are overwrites
// of allocated, written blocks. Only blocks below ready may be written by
// the log.
//
// Rounds in the background pace themselves if logEnd is set (see pacer);
// the round of Open does not.
type preallocator struct {
	st    storage
	bs    int64
	ahead int64
	zeros []byte
	grown func() // called after ready has moved
	// logEnd returns where the log ends now, for a pacer; nil if the
	// rounds do not pace.
	logEnd func() int64

	ready atomic.Int64 // the file is zeroes (or log) and durable up to here

	mu     sync.Mutex
	target int64 // where the current or next round of zeroing ends
	err    error // the first error, after which ready stays where it is
	want   chan struct{}
}

func newPreallocator(st storage, bs int, ahead int64, ready int64, zeros []byte, logEnd func() int64, grown func()) *preallocator {
	p := &preallocator{st: st, bs: int64(bs), ahead: alignUp(ahead, int64(bs)), zeros: zeros, grown: grown, logEnd: logEnd, target: ready, want: make(chan struct{}, 1)}
	p.ready.Store(ready)
	return p
}

// need tells p that the log now ends at end. When less than half of the
// preallocation is left ahead of it, p starts zeroing another stretch.
func (p *preallocator) need(end int64) {
	if end+p.ahead/2 <= p.ready.Load() {
		return
	}
	p.mu.Lock()
	if t := alignUp(end+p.ahead, p.bs); t > p.target {
		p.target = t
		kick(p.want)
	}
	p.mu.Unlock()
}

// grow zeroes up to the target now, in the caller's goroutine, paced if
// paced is set.
func (p *preallocator) grow(ctx context.Context, paced bool) error {
	p.mu.Lock()
	from, to, err := p.ready.Load(), p.target, p.err
	p.mu.Unlock()
	if err != nil || to <= from {
		return err
	}
	next := func(time.Duration, int64, int64) int { return len(p.zeros) }
	if paced {
		next = newPacer(ctx, p).next
	}
	if err := zeroFill(ctx, p.st, p.zeros, from, to, next); err != nil {
		p.mu.Lock()
		if p.err == nil && ctx.Err() == nil {
			p.err = err
		}
		p.mu.Unlock()
		return err
	}
	p.ready.Store(to)
	return nil
}

// failure returns the error that stopped p, if any.
func (p *preallocator) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// run zeroes whenever need asks for it, until ctx is done.
func (p *preallocator) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.want:
		}
		p.grow(ctx, p.logEnd != nil)
		p.grown()
	}
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }
