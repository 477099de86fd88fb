package wal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// A Log is a write-ahead log on kernel AIO: its blocks are written with
// O_DIRECT and aio.FlagDSync, several at once, and Append returns once its
// record is durable. Appends return in sequence order. It is safe for
// concurrent use; after Close, every method but Recovered returns
// ErrClosed.
type Log struct {
	// How the writes go (the state lives in Log and ring, under mu):
	//
	//   - Append frames its record into the ring, the staging memory of the
	//     blocks from the first one not yet durable in full (head) to the end of
	//     the log, and waits. Sequence numbers, and the CRC chain, are assigned
	//     there, under mu, so the stream is in sequence order.
	//   - The submitter goroutine writes every block that holds bytes not yet
	//     durable and has no write in flight, in runs of adjacent blocks, one
	//     aio.Request each, straight from the ring (no copy). The last block
	//     written may be partly filled: its zero padding is written too, and it
	//     is written again as it fills. A block never has two writes in
	//     flight, so a later version cannot be overtaken by an earlier one.
	//   - The completer goroutine reaps the writes. A block whose bytes are all
	//     durable leaves the ring; the log is durable up to the first byte that
	//     is not, and every Append whose record ends there or before returns,
	//     in sequence order. Blocks that filled further while their write was in
	//     flight go back to the submitter.
	//   - Only blocks that the preallocator has zeroed and made durable are
	//     written, so a write of the log changes no metadata.
	//
	// Memory: the kernel reads a block from the ring while Append may be adding
	// bytes after what the write covers. Those bytes either reach the disk with
	// the write or not; they are not counted as durable until a later write of
	// the block, which starts after this one completed, covers them. A block's
	// memory is reused only once it is durable in full and has no write in
	// flight.
	//
	// Closing (the same in GroupCommitLog): the first Close sets closed, under
	// mu, and from then on every Append and Replay returns ErrClosed. It waits
	// for the writes, stops the goroutines, closes the files, then sets
	// closeErr and closes closeDone. Every other Close waits for closeDone and
	// returns closeErr, which closeDone makes safe to read. A Replay that a
	// closing file fails checks closed, and returns ErrClosed.

	s     settings
	c     *aio.Context
	ownC  bool
	f     *aio.File
	zf    *aio.File // for preallocation: its appends may wait in io_submit
	q     *aio.Queue
	pre   *preallocator
	path  string
	rec   recovery
	bs    int64
	maxIO int // blocks in one write

	stop   context.CancelFunc
	stopCx context.Context
	wg     sync.WaitGroup
	work   chan struct{} // wakes the submitter

	mu       sync.Mutex
	ring     ring
	end      int64  // the log's bytes are placed up to here
	durable  int64  // and durable up to here
	crc      uint32 // of the last record placed
	seq      uint64 // of the last record placed
	waiters  waiterQueue
	changed  broadcast // head, durable, in-flight writes or err changed
	free     []*aio.Request
	writes   []write // per request, by Tag
	inflight int
	err      error // the first write error; the log takes no more records
	closed   bool

	closeDone chan struct{} // closed when the first Close has finished
	closeErr  error         // what it returned, set before closeDone is closed
}

// A write is what one request of the submitter covers.
type write struct {
	first      int64 // block number
	blocks     int
	lastFilled int // bytes of the last block that were placed when it was submitted
}

// maxWriteBytes bounds one request of the submitter, and ringBytes is the
// least staging memory: records that arrive while the ring is full of
// blocks not yet durable wait.
const (
	maxWriteBytes = 1 << 20
	ringBytes     = 4 << 20
)

// Open opens the log in the file at path, creating it if it is missing, and
// recovers it: it reads the records to the first one that does not check (a
// torn tail, after a crash) and ends the log there, durably, before it
// returns. The file is opened with O_DIRECT, so its filesystem must support
// that (ext4, xfs, btrfs, tmpfs since Linux 6.6).
//
// The log is the caller's alone until Close: Open locks the file (an
// exclusive flock(2)), and an Open of a log that a Log or GroupCommitLog
// has open, in this process or another, fails with ErrLocked.
//
// A new log is made atomically: under no name in the directory (or under a
// temporary one, where the filesystem has no O_TMPFILE), its header written
// and durable, then linked at path, so that a crash leaves either no file
// at path or a log. A file of only zeroes, or of no bytes, which a crash
// while an older version made the log could leave, opens as a new log; a
// file whose header is damaged otherwise gives ErrCorrupt.
func Open(path string, opts *Options) (*Log, error) {
	s, err := opts.settle()
	if err != nil {
		return nil, err
	}
	l := &Log{s: s, path: path, c: s.ctx, work: make(chan struct{}, 1), closeDone: make(chan struct{})}
	if l.s.maxInFlight == 0 {
		l.s.maxInFlight = defaultMaxInFlight
		if flushesEachWrite(filepath.Dir(path)) {
			l.s.maxInFlight = flushMaxInFlight
		}
	}
	if l.c == nil {
		if l.c, err = aio.NewContext(s.maxInFlight + 4); err != nil {
			return nil, err
		}
		l.ownC = true
	}
	if err := l.open(); err != nil {
		if l.stop != nil {
			l.stop()
			l.wg.Wait()
		}
		l.release()
		return nil, err
	}
	return l, nil
}

func (l *Log) open() error {
	st, rec, err := openLog(l.path, l.s, func(name string, flag int, perm os.FileMode) (aioStorage, error) {
		f, err := l.c.OpenFile(name, flag, perm)
		return aioStorage{f}, err
	})
	if err != nil {
		return err
	}
	l.f, l.rec = st.f, rec
	if l.zf, err = dupFile(l.c, st); err != nil {
		return fmt.Errorf("wal: open %s: a second descriptor for preallocating: %w", l.path, err)
	}
	l.bs = int64(l.rec.blockSize)
	l.maxIO = max(1, maxWriteBytes/l.rec.blockSize)
	blocks := max(ringBytes/l.rec.blockSize, 2*l.s.maxInFlight, (l.s.maxRecordSize+frameSize)/l.rec.blockSize+2)
	l.ring = newRing(l.rec.blockSize, blocks)
	l.end, l.durable, l.crc, l.seq = l.rec.end.offset, l.rec.end.offset, l.rec.end.crc, l.rec.end.lastSeq
	if err := l.ring.start(l.end, st); err != nil {
		return fmt.Errorf("wal: open %s: reading the last block: %w", l.path, err)
	}
	l.q = l.c.NewQueue()
	for i := range l.s.maxInFlight {
		l.free = append(l.free, &aio.Request{File: l.f, Op: aio.OpWrite, Flags: aio.FlagDSync, Tag: uint64(i)})
	}
	l.writes = make([]write, l.s.maxInFlight)

	l.stopCx, l.stop = context.WithCancel(context.Background())
	ready := alignUp(max(l.rec.size, l.end), l.bs)
	l.pre = newPreallocator(aioStorage{l.zf}, l.rec.blockSize, l.s.preallocate, ready, aio.AlignedBytes(zeroChunk), l.logEnd, l.preallocated)
	l.pre.need(l.end)
	if err := l.pre.grow(l.stopCx, false); err != nil {
		return fmt.Errorf("wal: open %s: preallocating: %w", l.path, err)
	}
	l.wg.Add(3)
	go func() { defer l.wg.Done(); l.submitter() }()
	go func() { defer l.wg.Done(); l.completer() }()
	go func() { defer l.wg.Done(); l.pre.run(l.stopCx) }()

	// The session mark ends the recovered log, durably: whatever follows
	// it from an earlier session no longer chains.
	mark, err := markFor(l.seq + 1)
	if err != nil {
		return err
	}
	if _, err := l.append(context.Background(), kindMark, mark[:]); err != nil {
		return fmt.Errorf("wal: open %s: writing the session mark: %w", l.path, err)
	}
	return nil
}

// Append adds record to the log and returns its sequence number once it is
// durable: from the first record of the log on, 1, 2, 3 and so on, in the
// order the records are in the log. Records of concurrent Appends are
// written together. The log keeps no reference to record after Append
// returns.
//
// If ctx is done first, Append returns ctx.Err() with the record's sequence
// number: the record is in the log and may yet become durable, or not, as
// if the program had crashed. An error from writing the log (EIO, ENOSPC)
// fails this Append and every later one: records from the failed write on
// are not known to be durable.
func (l *Log) Append(ctx context.Context, record []byte) (uint64, error) {
	return l.append(ctx, kindRecord, record)
}

func (l *Log) append(ctx context.Context, kind uint32, payload []byte) (uint64, error) {
	need := int64(frameSize + len(payload))
	l.mu.Lock()
	if kind == kindRecord {
		if err := checkAppend(l.closed, payload, l.s.maxRecordSize); err != nil {
			l.mu.Unlock()
			return 0, err
		}
	}
	for {
		switch {
		case l.closed:
			l.mu.Unlock()
			return 0, ErrClosed
		case l.err != nil:
			err := l.err
			l.mu.Unlock()
			return 0, err
		}
		if l.ring.fits(l.end, need) {
			break
		}
		// The ring is full of blocks that are not durable yet.
		changed := l.changed.wait()
		l.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		l.mu.Lock()
	}
	f, crc := frame(l.crc, kind, payload)
	l.ring.put(l.end, f[:])
	l.ring.put(l.end+frameSize, payload)
	l.end += need
	l.crc = crc
	if kind == kindRecord {
		l.seq++
	}
	seq := l.seq
	w := waiterPool.Get().(*waiter)
	w.end = l.end
	l.waiters.push(w)
	end := l.end
	l.mu.Unlock()
	l.pre.need(end)
	kick(l.work)

	select {
	case err := <-w.done:
		waiterPool.Put(w)
		return seq, err
	case <-ctx.Done():
		return seq, ctx.Err()
	}
}

// logEnd returns where the log's bytes are placed up to, for the
// preallocator's pacer.
func (l *Log) logEnd() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.end
}

// Recovered returns the sequence number of the last record that Open
// recovered, 0 if there was none.
func (l *Log) Recovered() uint64 { return l.rec.end.lastSeq }

// Replay calls fn with each record that Open recovered, in order, with its
// sequence number; it stops at the first error fn returns and returns it.
// fn must not keep record, whose memory is reused. Replay may run while
// records are appended.
func (l *Log) Replay(fn func(seq uint64, record []byte) error) error {
	return replay(l.f, l.path, l.rec, l.isClosed, fn)
}

func (l *Log) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Close waits until every record placed in the log is durable or has
// failed, then closes the log's files, which releases its lock, and its
// Context if Open made it. It returns the error that stopped the log's
// writes, if any, or else that of closing.
//
// Close may be called more than once, and from several goroutines at once:
// every call returns once the first has finished, with what the first
// returned. Once Close has been called, Append and Replay return ErrClosed,
// whatever their arguments, and Recovered still returns what it did; a
// call made while Close runs returns what it would have returned before
// Close, or ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.closeDone
		return l.closeErr
	}
	l.closed = true
	for l.inflight > 0 || (l.err == nil && l.durable < l.end) {
		changed := l.changed.wait()
		l.mu.Unlock()
		<-changed
		l.mu.Lock()
	}
	err := l.err
	l.mu.Unlock()
	l.stop()
	l.wg.Wait()
	if rerr := l.release(); err == nil {
		err = rerr
	}
	l.closeErr = err
	close(l.closeDone)
	return err
}

// release closes what Open opened.
func (l *Log) release() error {
	var errs []error
	for _, f := range []*aio.File{l.zf, l.f} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	if l.ownC {
		errs = append(errs, l.c.Close())
	}
	return errors.Join(errs...)
}

// dupFile returns a second File of c on the open file of st (a duplicate
// descriptor, which shares the file's lock), for the preallocator: its
// writes, which extend the file, may wait in io_submit, and each File has
// io_submit calls of its own, so they do not hold up the log's.
func dupFile(c *aio.Context, st aioStorage) (*aio.File, error) {
	var fd int
	err := st.control(func(old int) error {
		var err error
		fd, err = unix.FcntlInt(uintptr(old), unix.F_DUPFD_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(fd), st.f.Name())
	zf, err := c.NewFile(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return zf, nil
}
