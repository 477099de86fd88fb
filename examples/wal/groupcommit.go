package wal

import (
	"context"
	"fmt"
	"os"
	"sync"
)

// A GroupCommitLog is the log as Go programs write one without kernel AIO,
// for comparison with Log: the same file format, written through the page
// cache with os.File.WriteAt and made durable with fdatasync(2) by one
// flusher goroutine. Appends that arrive while a flush is under way wait
// for the next one, which takes them all (group commit, as the WALs of etcd
// and pebble do it). One write and one fdatasync are in flight at a time.
// It preallocates as Log does. It is safe for concurrent use.
type GroupCommitLog struct {
	s    settings
	f    *os.File
	path string
	rec  recovery
	pre  *preallocator

	stop   context.CancelFunc
	stopCx context.Context
	wg     sync.WaitGroup
	work   chan struct{} // wakes the flusher

	mu      sync.Mutex
	buf     []byte // the log's bytes from durable to end
	end     int64
	durable int64
	crc     uint32
	seq     uint64
	waiters waiterQueue
	changed broadcast // durable or err changed
	err     error
	closed  bool

	closeDone chan struct{} // see Log
	closeErr  error
}

// OpenGroupCommit opens the log in the file at path as Open does, for
// buffered writes (no O_DIRECT): it makes a new log atomically, and locks
// the file, so that a Log or a GroupCommitLog that has the log open
// excludes the other kind too. Options.Context and Options.MaxInFlight do
// not apply.
func OpenGroupCommit(path string, opts *Options) (*GroupCommitLog, error) {
	s, err := opts.settle()
	if err != nil {
		return nil, err
	}
	st, rec, err := openLog(path, s, func(name string, flag int, perm os.FileMode) (osStorage, error) {
		f, err := os.OpenFile(name, flag, perm)
		return osStorage{f}, err
	})
	if err != nil {
		return nil, err
	}
	l := &GroupCommitLog{s: s, f: st.f, path: path, rec: rec, work: make(chan struct{}, 1), closeDone: make(chan struct{})}
	if err := l.open(); err != nil {
		if l.stop != nil {
			l.stop()
			l.wg.Wait()
		}
		l.f.Close()
		return nil, err
	}
	return l, nil
}

func (l *GroupCommitLog) open() error {
	st := osStorage{l.f}
	l.end, l.durable, l.crc, l.seq = l.rec.end.offset, l.rec.end.offset, l.rec.end.crc, l.rec.end.lastSeq
	bs := int64(l.rec.blockSize)
	l.stopCx, l.stop = context.WithCancel(context.Background())
	l.pre = newPreallocator(st, l.rec.blockSize, l.s.preallocate, alignUp(max(l.rec.size, l.end), bs), make([]byte, zeroChunk), nil, func() { kick(l.work) })
	l.pre.need(l.end)
	if err := l.pre.grow(l.stopCx, false); err != nil {
		return fmt.Errorf("wal: open %s: preallocating: %w", l.path, err)
	}
	l.wg.Add(2)
	go func() { defer l.wg.Done(); l.flusher() }()
	go func() { defer l.wg.Done(); l.pre.run(l.stopCx) }()
	mark, err := markFor(l.seq + 1)
	if err != nil {
		return err
	}
	if _, err := l.append(context.Background(), kindMark, mark[:]); err != nil {
		return fmt.Errorf("wal: open %s: writing the session mark: %w", l.path, err)
	}
	return nil
}

// Append is Log.Append.
func (l *GroupCommitLog) Append(ctx context.Context, record []byte) (uint64, error) {
	return l.append(ctx, kindRecord, record)
}

func (l *GroupCommitLog) append(ctx context.Context, kind uint32, payload []byte) (uint64, error) {
	l.mu.Lock()
	if kind == kindRecord {
		if err := checkAppend(l.closed, payload, l.s.maxRecordSize); err != nil {
			l.mu.Unlock()
			return 0, err
		}
	}
	if l.err != nil {
		err := l.err
		l.mu.Unlock()
		return 0, err
	}
	f, crc := frame(l.crc, kind, payload)
	l.buf = append(append(l.buf, f[:]...), payload...)
	l.end += int64(frameSize + len(payload))
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

// flusher writes and fdatasyncs what was appended, as much as has been
// preallocated, until the log stops.
func (l *GroupCommitLog) flusher() {
	for {
		select {
		case <-l.stopCx.Done():
			return
		case <-l.work:
		}
		if err := l.pre.failure(); err != nil {
			l.mu.Lock()
			l.fail(fmt.Errorf("preallocating: %w", err))
			l.mu.Unlock()
			return
		}
		l.mu.Lock()
		off := l.durable
		n := min(int64(len(l.buf)), l.pre.ready.Load()-off)
		chunk := l.buf[:max(n, 0)]
		l.mu.Unlock()
		if len(chunk) == 0 {
			continue
		}
		// Appends add bytes after chunk meanwhile, never in it.
		_, err := l.f.WriteAt(chunk, off)
		if err == nil {
			err = fdatasync(l.f)
		}
		l.mu.Lock()
		if err != nil {
			l.fail(err)
			l.mu.Unlock()
			return
		}
		if len(chunk) == len(l.buf) {
			l.buf = l.buf[:0]
		} else {
			l.buf = l.buf[len(chunk):]
			kick(l.work)
		}
		l.durable += int64(len(chunk))
		l.waiters.release(l.durable)
		l.changed.notify()
		l.mu.Unlock()
	}
}

// fail is Log.fail.
func (l *GroupCommitLog) fail(err error) {
	if l.err == nil {
		l.err = fmt.Errorf("wal: %s: the log stopped at offset %d (records after it are not durable): %w", l.path, l.durable, err)
	}
	l.waiters.fail(l.err)
	l.changed.notify()
}

// Recovered is Log.Recovered.
func (l *GroupCommitLog) Recovered() uint64 { return l.rec.end.lastSeq }

// Replay is Log.Replay.
func (l *GroupCommitLog) Replay(fn func(seq uint64, record []byte) error) error {
	return replay(l.f, l.path, l.rec, l.isClosed, fn)
}

func (l *GroupCommitLog) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Close is Log.Close: every call, concurrent or later, returns what the
// first returned once it has finished, and every other method but
// Recovered returns ErrClosed from then on.
func (l *GroupCommitLog) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.closeDone
		return l.closeErr
	}
	l.closed = true
	for l.err == nil && l.durable < l.end {
		changed := l.changed.wait()
		l.mu.Unlock()
		<-changed
		l.mu.Lock()
	}
	err := l.err
	l.mu.Unlock()
	l.stop()
	l.wg.Wait()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.closeErr = err
	close(l.closeDone)
	return err
}
