package wal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/linuxaio/aio"
)

// A Log is a write-ahead log on kernel AIO: its blocks are written with
// O_DIRECT and aio.FlagDSync, several at once, and Append returns once its
// record is durable. It is safe for concurrent use.
//
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
type Log struct {
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
	closeErr error
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
func Open(path string, opts *Options) (*Log, error) {
	s, err := opts.settle()
	if err != nil {
		return nil, err
	}
	l := &Log{s: s, path: path, c: s.ctx, work: make(chan struct{}, 1)}
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
	size, err := fileSize(l.path)
	if err != nil {
		return err
	}
	if l.f, err = l.c.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o644); err != nil {
		return err
	}
	if l.zf, err = l.c.OpenFile(l.path, os.O_WRONLY, 0); err != nil {
		return err
	}
	_, align := l.f.Alignment()
	st := aioStorage{l.f}
	if l.rec, err = recoverLog(l.path, st, size, l.s, align, aio.AlignedBytes); err != nil {
		return err
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
	if err := checkAppend(record, l.s.maxRecordSize); err != nil {
		return 0, err
	}
	return l.append(ctx, kindRecord, record)
}

func (l *Log) append(ctx context.Context, kind uint32, payload []byte) (uint64, error) {
	need := int64(frameSize + len(payload))
	l.mu.Lock()
	for {
		switch {
		case l.err != nil:
			err := l.err
			l.mu.Unlock()
			return 0, err
		case l.closed && kind == kindRecord:
			l.mu.Unlock()
			return 0, ErrClosed
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
	_, err := scan(l.f, l.bs, l.rec.end.offset, l.rec.seed, fn)
	return err
}

// Close waits until every record placed in the log is durable or has
// failed, then closes the log's files, and its Context if Open made it.
// Appends after Close fail with ErrClosed. Close may be called more than
// once; later calls return what the first returned.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.wg.Wait()
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

// aioStorage is a Log's file as storage.
type aioStorage struct{ f *aio.File }

func (s aioStorage) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

func (s aioStorage) writeAt(ctx context.Context, p []byte, off int64) error {
	_, err := s.f.WriteAtContext(ctx, p, off, 0)
	return err
}

func (s aioStorage) datasync(ctx context.Context) error { return s.f.DatasyncContext(ctx) }
