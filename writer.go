package aio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// A Writer writes a File in order with write-behind: it gathers what its
// caller writes into chunks of ChunkSize bytes in memory of its own, and
// keeps up to Depth of them being written while the caller goes on. It
// writes from the offset it was made with; any offset works, and writes of
// any length: O_DIRECT's alignment is the Writer's business.
//
// The last chunk is rarely whole blocks. Flush writes it padded to whole
// blocks, then truncates the file to its exact length: after Flush the
// file holds everything written, and its size is off+n for n bytes
// written, or what it was before if that was larger (a Writer never
// shrinks a file, and the padding of a block that has the file's data
// after it is that data, read first). Writing may go on after Flush: the
// block Flush wrote padded is written again as it fills. Sync is Flush,
// then fdatasync(2), so that everything written is durable when it
// returns; FlagDSync in the options makes every chunk durable as it
// completes, but only Sync makes the final size durable.
//
// An error (EIO, ENOSPC, a closed Context or File) is returned by the call
// that meets it, and by every later one, as a *StreamError with the offset
// from which the data is not on the file. A File opened with O_APPEND, and
// FlagAppend in the options, are refused, since the kernel would put every
// chunk at the end of the file, in the order they complete. A Writer is not for concurrent use, but Close
// may be called at any time, from any goroutine.
type Writer struct {
	f     *File
	start int64

	mu     sync.Mutex // held by every method but the start of Close
	closed atomic.Bool
	once   sync.Once
	ready  bool // q, mem, chunks and size are set up
	cfg    streamConfig
	q      *Queue
	mem    streamMemory
	chunks []writeChunk
	free   []int // chunks neither filling nor in flight
	done   []*Request

	cur      int   // the chunk being filled, or -1
	curOff   int64 // the file offset of its first byte, aligned
	fill     int   // its bytes, from curOff
	pos      int64 // the offset of the next byte written: start + n
	size     int64 // the file's size as the Writer's writes leave it
	minSize  int64 // the size the file had, which Flush keeps
	device   bool  // a block device, whose size does not change
	inFlight int
	failedAt int64 // the lowest offset of a failed write, or -1
	failure  error // its error
	scratch  []byte
	err      error // sticky
	closeErr error
}

// A writeChunk is one request of a Writer and its buffer.
type writeChunk struct {
	req Request
	buf []byte
}

// NewWriter returns a Writer of f from the offset off. Its options (nil for
// the defaults) are checked by the first call, which returns what is wrong
// with them. The Writer's memory is its own until Close, which flushes and
// releases it; the File stays open.
func NewWriter(f *File, off int64, opts *StreamOptions) *Writer {
	w := &Writer{f: f, start: off, pos: off, cur: -1, failedAt: -1}
	cfg, err := opts.resolve(f, "NewWriter")
	switch {
	case err != nil:
		w.err = err
	case off < 0:
		w.err = streamError("write", f, off, errNegativeOffset)
	case cfg.flags&FlagAppend != 0:
		w.err = fmt.Errorf("aio: NewWriter: FlagAppend would make the kernel put every chunk at the end of the file, in the order they complete; leave it out, and start the Writer at the file's size")
	default:
		w.cfg = cfg
	}
	return w
}

// setup makes the Writer's Queue and memory, and learns the file's size, on
// first use.
func (w *Writer) setup() error {
	if w.ready {
		return nil
	}
	if err := w.f.checkClosed("write"); err != nil {
		return err
	}
	if w.f.append {
		return fmt.Errorf("%s is opened with O_APPEND, where the kernel writes every chunk at the end of the file, in the order they complete; open it without O_APPEND, and start the Writer at the file's size", w.f.name)
	}
	fi, err := w.f.Stat()
	if err != nil {
		return err
	}
	w.device = fi.Mode()&os.ModeDevice != 0
	w.size, w.minSize = fi.Size(), fi.Size()
	if err := w.mem.allocate(w.cfg); err != nil {
		return err
	}
	w.q = w.f.ctx.NewQueue()
	w.chunks = make([]writeChunk, w.cfg.depth)
	w.free = make([]int, 0, w.cfg.depth)
	for i := range w.chunks {
		w.chunks[i].buf = w.mem.bufs[i]
		w.free = append(w.free, i)
	}
	w.done = make([]*Request, w.cfg.depth)
	w.ready = true
	return nil
}

// enter takes the Writer for one call: it fails at once if the Writer is
// closed, without waiting for a Close under way, and otherwise locks it,
// checks that it may go on, and sets it up. On success the caller holds mu.
func (w *Writer) enter() error {
	if w.closed.Load() {
		return streamError("write", w.f, w.pos, ErrClosed)
	}
	w.mu.Lock()
	err := w.err
	switch {
	case w.closed.Load():
		err = streamError("write", w.f, w.pos, ErrClosed)
	case err == nil:
		if serr := w.setup(); serr != nil {
			w.err = streamError("write", w.f, w.pos, serr)
			err = w.err
		}
	}
	if err != nil {
		w.mu.Unlock()
	}
	return err
}

// Write writes p at the Writer's offset. It returns once p is in the
// Writer's memory, having waited only for a free chunk.
func (w *Writer) Write(p []byte) (int, error) {
	if err := w.enter(); err != nil {
		return 0, err
	}
	defer w.mu.Unlock()
	n := 0
	for n < len(p) {
		buf, err := w.space()
		if err != nil {
			return n, err
		}
		k := copy(buf, p[n:])
		n += k
		w.took(k)
	}
	return n, nil
}

// ReadFrom writes what r reads, until io.EOF, reading straight into the
// Writer's memory.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	if err := w.enter(); err != nil {
		return 0, err
	}
	defer w.mu.Unlock()
	var total int64
	for {
		buf, err := w.space()
		if err != nil {
			return total, err
		}
		k, rerr := r.Read(buf)
		if k < 0 || k > len(buf) {
			return total, errors.New("aio: Writer.ReadFrom: the io.Reader returned an impossible count")
		}
		total += int64(k)
		w.took(k)
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// Flush writes everything written so far, and waits until it is on the
// file, whose size is then exact.
func (w *Writer) Flush() error {
	if err := w.enter(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	return w.flush()
}

// Sync is Flush, and then makes the file's data and size durable
// (fdatasync) before it returns.
func (w *Writer) Sync() error {
	if err := w.enter(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if err := w.flush(); err != nil {
		return err
	}
	if err := w.f.Datasync(); err != nil {
		w.err = streamError("write", w.f, w.start, err)
		return w.err
	}
	return nil
}

// Close flushes, and then releases the Writer's memory; the File stays
// open. Later calls return ErrClosed. Close may be called more than once,
// and concurrently; every call returns what the first returned, once it is
// done.
func (w *Writer) Close() error {
	w.once.Do(func() {
		w.closed.Store(true)
		w.mu.Lock()
		defer w.mu.Unlock()
		err := w.flush()
		if w.ready {
			w.drain()
		}
		if ferr := w.mem.free(); err == nil {
			err = ferr
		}
		w.closeErr = err
	})
	return w.closeErr
}

// space returns the free part of the chunk being filled, which it starts
// if there is none, waiting for a free one.
func (w *Writer) space() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	if w.cur < 0 {
		for len(w.free) == 0 {
			if err := w.reap(); err != nil {
				return nil, err
			}
		}
		w.cur = w.free[len(w.free)-1]
		w.free = w.free[:len(w.free)-1]
		align := int64(w.cfg.align)
		w.curOff = w.pos - w.pos%align
		w.fill = int(w.pos - w.curOff)
		if w.fill > 0 {
			// Only a Writer that starts within a block gets here: the
			// block's bytes before pos are the file's, and the block is
			// written whole.
			if err := w.readBlock(w.chunks[w.cur].buf[:align], w.curOff); err != nil {
				w.err = streamError("write", w.f, w.pos, fmt.Errorf("reading the block that the Writer starts in: %w", err))
				return nil, w.err
			}
		}
	}
	return w.chunks[w.cur].buf[w.fill:], nil
}

// readBlock reads the block at off into b, with zeroes past the end of the
// file.
func (w *Writer) readBlock(b []byte, off int64) error {
	n, err := w.f.ReadAtContext(context.Background(), b, off, 0)
	if err == io.EOF {
		err = nil
	}
	clear(b[n:])
	return err
}

// took counts k bytes put into the chunk being filled, and writes it once
// it is full.
func (w *Writer) took(k int) {
	w.fill += k
	w.pos += int64(k)
	if w.fill == len(w.chunks[w.cur].buf) {
		w.submit(w.fill)
		w.cur = -1
	}
}

// submit starts the write of the first length bytes of the chunk being
// filled.
func (w *Writer) submit(length int) {
	c := &w.chunks[w.cur]
	c.req = Request{File: w.f, Op: OpWrite, Buf: c.buf[:length], Offset: w.curOff, Flags: w.cfg.flags, Tag: uint64(w.cur)}
	if _, err := w.q.Submit(&c.req); err != nil {
		w.free = append(w.free, w.cur)
		w.failed(w.curOff, err)
		w.settle()
		return
	}
	w.inFlight++
	w.size = max(w.size, w.curOff+int64(length))
}

// failed records that the data from off on may not be on the file.
func (w *Writer) failed(off int64, err error) {
	if w.failedAt < 0 || off < w.failedAt {
		w.failedAt, w.failure = off, err
	}
}

// settle makes a failed write the Writer's error, once every write in
// flight is back, with the lowest offset that failed.
func (w *Writer) settle() error {
	if w.failedAt < 0 {
		return nil
	}
	w.drain()
	if w.err == nil {
		w.err = streamError("write", w.f, max(w.failedAt, w.start), w.failure)
	}
	return w.err
}

// reap waits for at least one write to complete, and returns the Writer's
// error if a write failed.
func (w *Writer) reap() error {
	w.waitOne()
	if w.failedAt >= 0 {
		return w.settle()
	}
	return nil
}

// drain waits for every write in flight.
func (w *Writer) drain() {
	for w.inFlight > 0 {
		w.waitOne()
	}
}

// waitOne waits for at least one write to complete, and records those that
// failed.
func (w *Writer) waitOne() {
	n, err := w.q.Wait(context.Background(), w.done, 1)
	for _, req := range w.done[:n] {
		switch {
		case req.Err != nil:
			w.failed(req.Offset, req.Err)
		case req.N != len(req.Buf):
			written := req.Offset + int64(req.N)
			w.failed(written-written%int64(w.cfg.align), io.ErrShortWrite)
		}
		w.free = append(w.free, int(req.Tag))
	}
	w.inFlight -= n
	clear(w.done[:n])
	if err != nil {
		// Only a closed Context ends a Wait without a deadline, and it
		// hands back every request first: none is left in flight.
		w.failed(w.pos, err)
		w.inFlight = 0
	}
}

// flush writes the chunk being filled, its last block padded, waits for
// every write, and sets the file's size.
func (w *Writer) flush() error {
	if w.err != nil {
		return w.err
	}
	if !w.ready {
		return nil
	}
	if w.cur >= 0 && w.fill > 0 {
		align := w.cfg.align
		c := &w.chunks[w.cur]
		length := (w.fill + align - 1) / align * align
		if length > w.fill {
			if err := w.pad(c.buf[length-align:length], w.curOff+int64(length-align), w.fill-(length-align)); err != nil {
				return err
			}
		}
		cur, curOff := w.cur, w.curOff
		w.submit(length)
		w.drain()
		if err := w.settle(); err != nil {
			return err
		}
		// Keep the partial last block for the writes to come, at the
		// start of the chunk, which is free again; the whole blocks
		// before it are on the file.
		whole := w.fill - w.fill%align
		w.free = slices.DeleteFunc(w.free, func(i int) bool { return i == cur })
		w.cur = cur
		copy(c.buf, c.buf[whole:w.fill])
		w.curOff, w.fill = curOff+int64(whole), w.fill-whole
		if w.fill == 0 {
			w.free = append(w.free, w.cur)
			w.cur = -1
		}
	}
	w.drain()
	if err := w.settle(); err != nil {
		return err
	}
	if want := max(w.minSize, w.pos); !w.device && w.size > want {
		if err := w.f.Truncate(want); err != nil {
			w.err = streamError("write", w.f, w.pos, fmt.Errorf("cutting the padding of the last block off: %w", err))
			return w.err
		}
		w.size = want
	}
	return nil
}

// pad fills the block b at off, whose first used bytes are the Writer's,
// to its end: with the file's bytes where the file has them after the
// Writer's end, else zeroes.
func (w *Writer) pad(b []byte, off int64, used int) error {
	if !w.device && off+int64(used) >= w.minSize {
		clear(b[used:])
		return nil
	}
	if w.scratch == nil {
		w.scratch = alignedBytes(len(b), max(len(b), 4096))
	}
	if err := w.readBlock(w.scratch[:len(b)], off); err != nil {
		w.err = streamError("write", w.f, w.pos, fmt.Errorf("reading the file's bytes after the last one written: %w", err))
		return w.err
	}
	copy(b[used:], w.scratch[used:len(b)])
	return nil
}
