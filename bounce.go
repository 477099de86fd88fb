package aio

import (
	"context"
	"sync"
)

// Reads and writes whose memory, offset or length O_DIRECT would refuse go
// through aligned memory of the package's own (a bounce buffer): a read
// reads the aligned range that covers what was asked for, and copies the
// part asked for out of it; a write from a misaligned address is copied in
// first. The buffers come from a pool, bounceSize bytes each, one per call
// in progress, so the steady state allocates nothing. A write whose offset
// or length is misaligned is refused all the same: writing the covering
// range would overwrite the bytes around it.

// bounceSize is the size of the pooled buffers and so the most a copying
// read or write moves per request: large enough that a sequential copying
// reader needs few requests, small enough that a pool of them stays cheap.
const bounceSize = 128 << 10

var bouncePool = sync.Pool{New: func() any {
	b := AlignedBytes(bounceSize)
	return &b
}}

// bounce returns an aligned buffer for f's direct I/O. It comes from the
// pool, and then pooled is what to give back to it, unless f needs more
// alignment than a page, or blocks larger than bounceSize.
func (f *File) bounce() (buf []byte, pooled *[]byte) {
	a := f.align
	if int(a.mem) <= pageSize && bounceSize%int(a.offset) == 0 {
		pooled = bouncePool.Get().(*[]byte)
		return *pooled, pooled
	}
	size := max(int(a.offset), bounceSize/int(a.offset)*int(a.offset))
	return alignedBytes(size, int(a.mem)), nil
}

// unbounce gives a buffer from bounce back to the pool.
func unbounce(pooled *[]byte) {
	if pooled != nil {
		bouncePool.Put(pooled)
	}
}

// readsThrough reports whether a read of p at off on f goes through a
// bounce buffer: f uses O_DIRECT and is not strict, and the kernel would
// refuse p or off as they are.
func (f *File) readsThrough(p []byte, off int64) bool {
	return f.direct && len(p) > 0 && !f.strict.Load() && f.align.check(p, off, true) != nil
}

// writesThrough reports whether a write from p on f goes through a bounce
// buffer: f uses O_DIRECT and is not strict, and p's address is misaligned.
func (f *File) writesThrough(p []byte) bool {
	return f.direct && len(p) > 0 && !f.strict.Load() && addressOf(p)%uint64(f.align.mem) != 0
}

// readThrough reads len(p) bytes at off into p through a bounce buffer, a
// covering aligned range at a time. It returns io.EOF, as ReadAt does, when
// the file ends before p is full.
func (f *File) readThrough(ctx context.Context, p []byte, off int64, flags Flags) (int, error) {
	if off < 0 {
		return 0, pathError("read", f.name, errNegativeOffset)
	}
	buf, pooled := f.bounce()
	defer unbounce(pooled)
	a := int64(f.align.offset)
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		start := pos - pos%a
		skip := int(pos - start)
		span := min(roundUp(int64(skip+len(p)-done), a), int64(len(buf)))
		n, err := f.transfer(ctx, "read", iocbCmdPread, buf[:span], nil, start, flags)
		if n > skip {
			done += copy(p[done:], buf[skip:n])
		}
		if done == len(p) {
			// The covering range may end past the end of the file,
			// beyond what was asked for: not an end for the caller.
			return done, nil
		}
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// writeThrough writes p at off from a bounce buffer, for a p whose address
// is misaligned; its offset and length must be aligned (validate says so
// otherwise). A positional write goes in pieces of the buffer's size; an
// appending one in one piece, so that nothing else is appended in between.
func (f *File) writeThrough(ctx context.Context, p []byte, off int64, flags Flags) (int, error) {
	// Whatever validate finds wrong but the address, which the copy makes
	// right, must fail the call before any piece is written.
	if err := f.validate(iocbCmdPwrite, p, nil, off, flags); err != nil {
		if ae, ok := err.(*alignmentError); !ok || ae.what != "buffer address" {
			return 0, pathError("write", f.name, err)
		}
	}
	buf, pooled := f.bounce()
	defer unbounce(pooled)
	// An atomic write, too, must stay whole.
	if whole := f.appends(flags) || flags&FlagAtomic != 0; whole && len(p) > len(buf) {
		buf = AlignedBytes(len(p))
	}
	done := 0
	for done < len(p) {
		n := copy(buf, p[done:])
		wrote, err := f.transfer(ctx, "write", iocbCmdPwrite, buf[:n], nil, off+int64(done), flags)
		done += wrote
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// readsThroughVector reports whether a vectored read of bufs at off on f
// goes buffer by buffer: f uses O_DIRECT and is not strict, and the kernel
// would refuse the offset or one of the nonempty buffers.
func (f *File) readsThroughVector(bufs [][]byte, off int64) bool {
	if !f.direct || f.strict.Load() {
		return false
	}
	if f.align.check(nil, off, true) != nil {
		return true
	}
	for _, b := range bufs {
		if len(b) > 0 && f.align.checkBuffer(b) != nil {
			return true
		}
	}
	return false
}

// writesThroughVector reports whether a vectored write from bufs on f goes
// buffer by buffer: f uses O_DIRECT and is not strict, and a nonempty
// buffer's address is misaligned.
func (f *File) writesThroughVector(bufs [][]byte) bool {
	if !f.direct || f.strict.Load() {
		return false
	}
	for _, b := range bufs {
		if f.writesThrough(b) {
			return true
		}
	}
	return false
}

// readvThrough reads into bufs in turn from off, one ReadAtContext each.
func (f *File) readvThrough(ctx context.Context, bufs [][]byte, off int64, flags Flags) (int, error) {
	done := 0
	for _, b := range bufs {
		n, err := f.ReadAtContext(ctx, b, off+int64(done), flags)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// writevThrough writes bufs in turn from off, one WriteAtContext each,
// after checking that every one is of an aligned length, so that a
// misaligned one fails the call before anything is written.
func (f *File) writevThrough(ctx context.Context, bufs [][]byte, off int64, flags Flags) (int, error) {
	switch {
	case f.appends(flags):
		// One request per buffer could let another append come between.
		return 0, pathError("writev", f.name, errAppendFromMisaligned)
	case flags&FlagAtomic != 0:
		return 0, pathError("writev", f.name, errAtomicFromMisaligned)
	}
	pos := off
	for _, b := range bufs {
		if err := f.align.checkPlace(len(b), pos, true); err != nil {
			return 0, pathError("writev", f.name, err)
		}
		pos += int64(len(b))
	}
	done := 0
	for _, b := range bufs {
		n, err := f.WriteAtContext(ctx, b, off+int64(done), flags)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

func roundUp(n, a int64) int64 { return (n + a - 1) / a * a }
