package aio

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
)

// A Reader reads a File in order with read-ahead: it keeps Depth requests
// of ChunkSize bytes in flight ahead of what its caller has taken, in
// memory of its own, so that a sequential reader of a direct file waits
// for the device once rather than once per request. It reads from the
// offset it was made with; any offset works, aligned or not.
//
// Read and WriteTo return io.EOF (WriteTo: nil) at the end of the file, as
// a read found it: the first read that came back short. The reads in flight
// past it are dropped. A file that grows while it is read is read to the
// end it had when a read found it; a Read after io.EOF reads again from
// there, and returns what the file has gained (or io.EOF again), as an
// os.File does. On a block device the end is the device's.
//
// An error (EIO, a closed Context or File) is returned once the data before
// it has been returned, as a *StreamError with the offset from which
// nothing was read, and then by every later call. A Reader is not for
// concurrent use, but Close may be called at any time, from any goroutine.
type Reader struct {
	f     *File
	start int64

	mu     sync.Mutex // held by every method but the start of Close
	closed atomic.Bool
	once   sync.Once
	ready  bool // cfg, q and mem are set up
	cfg    streamConfig
	q      *Queue
	mem    streamMemory
	chunks []readChunk
	done   []*Request
	batch  []*Request // the requests of one Submit

	// The chunks requested form a ring from head, in file order: count of
	// them, whose data starts at the offsets next-count*chunk and on.
	head, count int
	pos         int64 // the offset of the next byte the caller gets
	next        int64 // the offset of the next chunk to request
	inFlight    int
	refused     bool  // Submit refused a chunk: nothing more is requested
	err         error // sticky
}

// A readChunk is one request of a Reader and its buffer.
type readChunk struct {
	req     Request
	off     int64
	pending bool  // in flight
	err     error // Submit refused it
}

// NewReader returns a Reader of f from the offset off. Its options (nil
// for the defaults) are checked by the first call, which returns what is
// wrong with them. The Reader's memory is its own until Close, which
// releases it; the File stays open.
func NewReader(f *File, off int64, opts *StreamOptions) *Reader {
	r := &Reader{f: f, start: off, pos: off}
	if err := r.setupOptions(opts); err != nil {
		r.err = err
	}
	return r
}

func (r *Reader) setupOptions(opts *StreamOptions) error {
	cfg, err := opts.resolve(r.f, "NewReader")
	if err != nil {
		return err
	}
	if r.start < 0 {
		return streamError("read", r.f, r.start, errNegativeOffset)
	}
	r.cfg = cfg
	return nil
}

// setup makes the Reader's Queue and memory, on first use.
func (r *Reader) setup() error {
	if r.ready {
		return nil
	}
	if err := r.f.checkClosed("read"); err != nil {
		return err
	}
	if err := r.mem.allocate(r.cfg); err != nil {
		return err
	}
	r.q = r.f.ctx.NewQueue()
	r.chunks = make([]readChunk, r.cfg.depth)
	r.done = make([]*Request, r.cfg.depth)
	r.batch = make([]*Request, 0, r.cfg.depth)
	r.next = r.pos - r.pos%int64(r.cfg.align)
	r.ready = true
	return nil
}

// Read reads up to len(p) bytes in order. It waits only while nothing has
// been read ahead.
func (r *Reader) Read(p []byte) (int, error) {
	if err := r.enter(); err != nil {
		return 0, err
	}
	defer r.mu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	for n < len(p) {
		data, err := r.peek(n == 0)
		if len(data) == 0 {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		k := copy(p[n:], data)
		n += k
		r.consume(k)
	}
	return n, nil
}

// WriteTo writes what is left of the file to w, straight from the
// Reader's memory, and returns how many bytes it wrote, with nil at the end
// of the file.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	if err := r.enter(); err != nil {
		return 0, err
	}
	defer r.mu.Unlock()
	var total int64
	for {
		data, err := r.peek(true)
		if len(data) == 0 {
			if err == io.EOF {
				err = nil
			}
			return total, err
		}
		k, werr := w.Write(data)
		if k > len(data) || k < 0 {
			k = 0
			if werr == nil {
				werr = errInvalidWrite
			}
		}
		total += int64(k)
		r.consume(k)
		if werr == nil && k < len(data) {
			werr = io.ErrShortWrite
		}
		if werr != nil {
			return total, werr
		}
	}
}

// Close waits for the reads in flight and releases the Reader's memory.
// Later calls of Read and WriteTo return ErrClosed. Close may be called more
// than once, and concurrently; every call returns what the first returned,
// once it is done.
func (r *Reader) Close() error {
	r.closed.Store(true)
	var err error
	r.once.Do(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.drain()
		err = r.mem.free()
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	return err
}

// enter takes the Reader for one call: it fails at once if the Reader is
// closed, without waiting for a Close under way, and otherwise locks it.
// On success the caller holds mu.
func (r *Reader) enter() error {
	if r.closed.Load() {
		return r.closedError()
	}
	r.mu.Lock()
	if r.closed.Load() {
		r.mu.Unlock()
		return r.closedError()
	}
	return nil
}

func (r *Reader) closedError() error {
	return streamError("read", r.f, r.pos, ErrClosed)
}

// peek returns the data at pos that has been read, without consuming it,
// waiting for it if wait is set (else it may return nothing, and no error).
// It returns no data with io.EOF at the end of the file, or with the error
// that stops the Reader.
func (r *Reader) peek(wait bool) ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	if err := r.setup(); err != nil {
		r.err = streamError("read", r.f, r.pos, err)
		return nil, r.err
	}
	r.request()
	c := &r.chunks[r.head]
	for c.pending {
		if !wait {
			return nil, nil
		}
		if err := r.reap(); err != nil {
			r.err = streamError("read", r.f, r.pos, err)
			return nil, r.err
		}
	}
	if err := c.failure(); err != nil {
		r.err = streamError("read", r.f, r.pos, err)
		return nil, r.err
	}
	if end := c.off + int64(c.req.N); r.pos < end {
		return c.req.Buf[r.pos-c.off : c.req.N], nil
	}
	// A short read, all of it taken: the end of the file. What was read
	// ahead past it is dropped; a later call reads again from pos.
	r.drain()
	r.next = r.pos - r.pos%int64(r.cfg.align)
	return nil, io.EOF
}

// failure returns the error of the chunk's read, or of its submission.
func (c *readChunk) failure() error {
	if c.err != nil {
		return c.err
	}
	return c.req.Err
}

// consume takes k bytes of the head chunk, and sends the chunk on to the
// next offset once all of it is taken.
func (r *Reader) consume(k int) {
	r.pos += int64(k)
	c := &r.chunks[r.head]
	if r.pos < c.off+int64(len(c.req.Buf)) {
		return
	}
	r.head = (r.head + 1) % len(r.chunks)
	r.count--
	r.request()
}

// request starts reads into every chunk that is free, at the offsets that
// follow those requested.
func (r *Reader) request() {
	if r.err != nil || r.refused {
		return
	}
	batch := r.batch[:0]
	first := r.count
	for r.count < len(r.chunks) {
		i := (r.head + r.count) % len(r.chunks)
		c := &r.chunks[i]
		*c = readChunk{off: r.next, pending: true}
		c.req = Request{File: r.f, Op: OpRead, Buf: r.mem.bufs[i], Offset: r.next, Flags: r.cfg.flags, Tag: uint64(i)}
		batch = append(batch, &c.req)
		r.next += int64(r.cfg.chunk)
		r.count++
	}
	if len(batch) == 0 {
		return
	}
	n, err := r.q.Submit(batch...)
	clear(batch)
	r.inFlight += n
	if err != nil {
		// The chunk Submit refused holds the error; those after it are
		// not requested.
		i := (r.head + first + n) % len(r.chunks)
		r.chunks[i].pending, r.chunks[i].err = false, err
		r.count = first + n + 1
		r.refused = true
	}
}

// reap waits for at least one read to complete.
func (r *Reader) reap() error {
	n, err := r.q.Wait(context.Background(), r.done, 1)
	for _, req := range r.done[:n] {
		r.chunks[req.Tag].pending = false
	}
	r.inFlight -= n
	clear(r.done[:n])
	return err
}

// drain waits for every read in flight and forgets the chunks.
func (r *Reader) drain() {
	for r.inFlight > 0 {
		if err := r.reap(); err != nil {
			break // a closed Context has handed back every request
		}
	}
	r.head, r.count = 0, 0
	for i := range r.chunks {
		r.chunks[i] = readChunk{}
	}
}
