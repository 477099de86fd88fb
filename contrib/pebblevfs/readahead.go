package pebblevfs

import (
	"io"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/linuxaio/aio"
)

// Read-ahead of direct files.
//
// A direct file has no page cache to read ahead into, so the FS keeps its
// own: windows, each an aligned range of one file read by one kernel AIO
// request into memory of the FS's, ahead of the reads that will want it.
// Three things start windows:
//
//   - Prefetch(off, length), which Pebble calls when one of its iterators
//     reads a table in order: the parts of the range that no window holds.
//   - A run of reads in order on a file, detected as the kernel detects one
//     on a buffered file: the second read that starts where another ended
//     (or up to runSlack past it) makes a run, and from then on the run is
//     kept runAhead bytes ahead, starting at minWindow and doubling, in
//     windows of up to maxWindow. Each file tracks runsPerFile runs, so
//     readers that share a file (Pebble shares one handle per table) each
//     keep theirs.
//   - A file opened with vfs.SequentialReadsOption, which is one run from
//     its first read, kept up to sequentialAhead bytes ahead.
//
// ReadAt copies what windows hold from its offset on, waiting for a window
// still in flight, and reads the rest directly. A window whose end a read
// has reached is dropped, as is a window whose request failed (the direct
// read that follows returns the error).
//
// Memory: windows hold at most the FS's limit (Options.ReadaheadMemory).
// Starting a window past it drops the least recently used windows that no
// request or read is using, in any file; if that is not enough, the window
// is not started, which costs only speed. The buffers come from pools, one
// per power-of-two size.
//
// Locking and the kernel: one mutex per FS (readahead.mu) guards every
// window and run of every file; no I/O and no copy happens under it. A
// window's buffer belongs to the kernel from its request's submission until
// the request completes, and to each read while it copies out: refs counts
// them. Dropping a window takes it off its file's list and the LRU list; its
// buffer goes back to its pool only once it is dropped and refs is 0, so the
// kernel never writes into memory that another window or the garbage
// collector has.
//
// Data read ahead is what the file held when it was read. Pebble never
// changes a table or blob file once written, and those are the only files
// the FS reads directly.

const (
	// minWindow is the first read-ahead of a run, as Pebble's own.
	minWindow = 64 << 10
	// maxWindow is the most one window reads.
	maxWindow = 256 << 10
	// runAhead is the most a run on a file opened for random reads is kept
	// ahead: Pebble's own most for such files.
	runAhead = 256 << 10
	// sequentialAhead is the most a file opened with
	// vfs.SequentialReadsOption is kept ahead: four windows in flight.
	sequentialAhead = 4 * maxWindow
	// runsPerFile is the number of runs a file tracks.
	runsPerFile = 4
	// runSlack is how far past the end of a run's last read its next read
	// may start and still continue it: within the page, as the kernel's
	// readahead allows. Pebble's blocks follow each other with no gap, and
	// more slack makes random reads start runs.
	runSlack = 4 << 10
	// minClass is the smallest window buffer.
	minClass = 16 << 10
	// defaultReadaheadMemory is Options.ReadaheadMemory when it is 0.
	defaultReadaheadMemory = 32 << 20
)

// readahead is the read-ahead state of an FS: the memory limit, the LRU
// list of every window, and the buffer pools.
type readahead struct {
	mu             sync.Mutex
	limit          int64   // most bytes held in windows
	held           int64   // bytes held in windows, dropped or not, until their buffers are back in a pool
	oldest, newest *window // the LRU list of windows not yet dropped

	pools [bits.UintSize]sync.Pool // of *[]byte, by log2 of the size

	// started counts the bytes of windows started, served the bytes that
	// reads took from windows.
	started, served atomic.Int64
}

// newReadahead returns the read-ahead state of an FS that holds at most
// limit bytes in windows.
func newReadahead(limit int64) *readahead { return &readahead{limit: limit} }

// A raFile is the read-ahead state of one direct file. Its fields but file,
// align and most are guarded by the readahead's mu.
type raFile struct {
	ra    *readahead
	file  *aio.File
	align int64 // the file's offset alignment: windows start and end on it
	most  int64 // the most a run is kept ahead
	all   bool  // every read is part of one run (vfs.SequentialReadsOption)

	windows []*window
	runs    [runsPerFile]run
	tick    uint64 // counts reads, to find the least recently used run
	eof     int64  // where a window came back short (the end of the file as it found it), or -1
	closed  bool
}

// A run is a sequence of reads in order on a file.
type run struct {
	next  int64  // where the run's last read ended
	reads int    // reads in the run so far; 0 for an unused slot
	ahead int64  // how far ahead of next the run is kept
	used  uint64 // the file's tick at its last read
}

// A window is a range of a file read ahead by one request.
type window struct {
	f      *raFile
	off    int64
	buf    []byte
	done   chan struct{} // closed when the request has completed
	n      int           // bytes read, set before done is closed
	failed bool          // the request failed, not just short at the end
	refs   int           // the request while in flight, and each read copying out
	listed bool          // on its file's list and the LRU list

	prev, next *window // the LRU list, oldest first
}

// file returns the read-ahead state of a direct file of this FS, or nil if
// f's alignment allows no window; all says whether every read of it is part
// of one run (vfs.SequentialReadsOption).
func (ra *readahead) file(f *aio.File, all bool) *raFile {
	_, align := f.Alignment()
	if align <= 0 || align > maxWindow || align&(align-1) != 0 {
		return nil
	}
	most := int64(runAhead)
	if all {
		most = sequentialAhead
	}
	return &raFile{ra: ra, file: f, align: int64(align), most: most, all: all, eof: -1}
}

// readAt copies into p what the file's windows hold from off on, waiting
// for those in flight, and returns how many bytes it copied, after noting
// the read in the file's runs, which may start windows ahead of it. The
// caller reads the rest, if any, directly.
func (f *raFile) readAt(p []byte, off int64) int {
	ra := f.ra
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if f.closed || len(p) == 0 {
		return 0
	}
	f.note(off, off+int64(len(p)))
	copied := 0
	for copied < len(p) {
		pos := off + int64(copied)
		w := f.find(pos)
		if w == nil {
			break
		}
		w.refs++
		ra.touch(w)
		ra.mu.Unlock()
		<-w.done
		c := 0
		if at := pos - w.off; !w.failed && at < int64(w.n) {
			c = copy(p[copied:], w.buf[at:w.n])
		}
		ra.mu.Lock()
		w.refs--
		if w.failed || pos+int64(c) >= w.off+int64(w.n) {
			ra.drop(w)
		}
		ra.release(w)
		if c == 0 {
			break
		}
		copied += c
	}
	ra.served.Add(int64(copied))
	return copied
}

// prefetch starts windows for the parts of [off, off+length) that no window
// holds, up to sequentialAhead bytes of it.
func (f *raFile) prefetch(off, length int64) {
	if off < 0 || length <= 0 {
		return
	}
	f.ra.mu.Lock()
	defer f.ra.mu.Unlock()
	if f.closed {
		return
	}
	f.fill(f.alignDown(off), off+min(length, sequentialAhead))
}

// note adds a read of [off, end) to the file's runs and keeps the run it
// belongs to, if it makes one, far enough ahead.
func (f *raFile) note(off, end int64) {
	f.tick++
	var r *run
	if f.all {
		r = &f.runs[0]
		r.reads++
	} else {
		for i := range f.runs {
			c := &f.runs[i]
			if c.reads > 0 && off >= c.next && off <= c.next+runSlack {
				r = c
				r.reads++
				break
			}
		}
		if r == nil {
			r = &f.runs[0]
			for i := range f.runs {
				if f.runs[i].used < r.used {
					r = &f.runs[i]
				}
			}
			*r = run{reads: 1}
		}
	}
	r.next, r.used = end, f.tick
	if r.reads < 2 && !f.all {
		return
	}
	front := f.coveredTo(end)
	if r.ahead > 0 && front-end >= r.ahead/2 {
		return
	}
	r.ahead = min(max(2*r.ahead, minWindow), f.most)
	f.fill(front, end+r.ahead)
}

// coveredTo returns the end of the range from pos on that windows hold
// without a gap, or pos rounded down to the alignment if none holds pos.
func (f *raFile) coveredTo(pos int64) int64 {
	front := f.alignDown(pos)
	for {
		w := f.find(max(front, pos))
		if w == nil {
			return front
		}
		front = w.off + w.extent()
	}
}

// fill starts windows for the parts of [from, to) that no window holds,
// from is aligned. It stops at the file's end, as a window found it, and
// when the memory limit leaves no room.
func (f *raFile) fill(from, to int64) {
	if f.eof >= 0 {
		to = min(to, f.eof)
	}
	for pos := from; pos < to; {
		if w := f.find(pos); w != nil {
			pos = w.off + w.extent()
			continue
		}
		size := f.windowSize(to - pos)
		if !f.start(pos, size) {
			return
		}
		pos += size
	}
}

// windowSize returns the size of a window for want bytes: a power of two
// of at least minClass and the alignment, and at most maxWindow.
func (f *raFile) windowSize(want int64) int64 {
	size := max(int64(minClass), f.align)
	for size < want && size < maxWindow {
		size *= 2
	}
	return size
}

// find returns a window that holds pos: one in flight whose range has it,
// or one done whose data has it.
func (f *raFile) find(pos int64) *window {
	for _, w := range f.windows {
		if w.off <= pos && pos < w.off+w.extent() {
			return w
		}
	}
	return nil
}

func (f *raFile) alignDown(pos int64) int64 { return pos / f.align * f.align }

// start starts a window of size bytes at off and reports whether it did:
// not when the memory limit leaves no room after dropping what can be.
func (f *raFile) start(off, size int64) bool {
	ra := f.ra
	if !ra.makeRoom(size) {
		return false
	}
	w := &window{f: f, off: off, buf: ra.get(size), done: make(chan struct{}), refs: 1, listed: true}
	f.windows = append(f.windows, w)
	ra.push(w)
	ra.started.Add(size)
	go w.fetch()
	return true
}

// fetch reads the window's range, then makes it available.
func (w *window) fetch() {
	n, err := w.f.file.ReadAt(w.buf, w.off)
	f, ra := w.f, w.f.ra
	ra.mu.Lock()
	defer ra.mu.Unlock()
	w.n = n
	switch {
	case err == io.EOF:
		if f.eof < 0 || w.off+int64(n) < f.eof {
			f.eof = w.off + int64(n)
		}
	case err != nil:
		w.n, w.failed = 0, true
	case f.eof >= 0 && w.off+int64(n) > f.eof:
		f.eof = -1 // the file has grown
	}
	w.refs--
	if w.failed || n == 0 {
		ra.drop(w)
	}
	close(w.done)
	ra.release(w)
}

// extent returns how much of the file from w.off the window holds: its
// whole range while in flight, what was read once done.
func (w *window) extent() int64 {
	select {
	case <-w.done:
		return int64(w.n)
	default:
		return int64(len(w.buf))
	}
}

// close drops every window of the file; those in flight give their memory
// back when their requests complete.
func (f *raFile) close() {
	f.ra.mu.Lock()
	defer f.ra.mu.Unlock()
	f.closed = true
	for len(f.windows) > 0 {
		w := f.windows[0]
		f.ra.drop(w)
		f.ra.release(w)
	}
}

// makeRoom drops the least recently used windows that nothing is using
// until size more bytes fit in the limit, and reports whether they do.
func (ra *readahead) makeRoom(size int64) bool {
	for w := ra.oldest; ra.held+size > ra.limit && w != nil; {
		next := w.next
		if w.refs == 0 {
			ra.drop(w)
			ra.release(w)
		}
		w = next
	}
	return ra.held+size <= ra.limit
}

// drop takes a window off its file's list and the LRU list: no read finds
// it from then on.
func (ra *readahead) drop(w *window) {
	if !w.listed {
		return
	}
	w.listed = false
	ws := w.f.windows
	for i := range ws {
		if ws[i] == w {
			w.f.windows = append(ws[:i], ws[i+1:]...)
			ws[len(ws)-1] = nil
			break
		}
	}
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		ra.oldest = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		ra.newest = w.prev
	}
	w.prev, w.next = nil, nil
}

// release gives a dropped window's buffer back to its pool once nothing
// uses it.
func (ra *readahead) release(w *window) {
	if w.listed || w.refs > 0 || w.buf == nil {
		return
	}
	b := w.buf
	w.buf = nil
	ra.held -= int64(len(b))
	ra.pools[bits.Len(uint(len(b)))].Put(&b)
}

// push adds a new window to the LRU list as its newest.
func (ra *readahead) push(w *window) {
	w.prev = ra.newest
	if ra.newest != nil {
		ra.newest.next = w
	} else {
		ra.oldest = w
	}
	ra.newest = w
	ra.held += int64(len(w.buf))
}

// touch makes a window the newest of the LRU list.
func (ra *readahead) touch(w *window) {
	if !w.listed || ra.newest == w {
		return
	}
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		ra.oldest = w.next
	}
	w.next.prev = w.prev
	w.prev, w.next = ra.newest, nil
	ra.newest.next = w
	ra.newest = w
}

// get returns a page-aligned buffer of size bytes, a power of two.
func (ra *readahead) get(size int64) []byte {
	if b, ok := ra.pools[bits.Len(uint(size))].Get().(*[]byte); ok {
		return *b
	}
	return aio.AlignedBytes(int(size))
}
