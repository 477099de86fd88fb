package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/linuxaio/aio/examples/wal"
)

// The engines of -log, which compares the two group-commit logs of
// examples/wal. Both write the same file format and make every record
// durable before its Append returns.
const (
	// aioLogEngine is wal.Log: O_DIRECT blocks written with aio.FlagDSync
	// (RWF_DSYNC) through the aio package.
	aioLogEngine = "aio-log"
	// groupCommitEngine is wal.GroupCommitLog: os.File.Write and fdatasync
	// from one flusher goroutine, as etcd's and pebble's WALs do.
	groupCommitEngine = "groupcommit-log"
)

// logEngineNames lists the engines of -log in the order that reports show
// them.
var logEngineNames = []string{aioLogEngine, groupCommitEngine}

// An appendLog is what a run needs of either log.
type appendLog interface {
	Append(ctx context.Context, record []byte) (uint64, error)
	Close() error
}

// openLogs opens the logs by engine name.
var openLogs = map[string]func(path string) (appendLog, error){
	aioLogEngine:      func(path string) (appendLog, error) { return wal.Open(path, nil) },
	groupCommitEngine: func(path string) (appendLog, error) { return wal.OpenGroupCommit(path, nil) },
}

// A logLoop keeps writers goroutines appending records of one size to a
// log, each Append a commit that returns once its record is durable; the
// latency of a commit is the time its Append call took. It is an ioLoop,
// whose I/Os are commits.
type logLoop struct {
	log     appendLog
	path    string
	records [][]byte // one per writer, of random bytes
}

// openLogLoop makes a new log file in dir and opens it with engine, with
// the default options of examples/wal, for writers writers of records of
// recordSize bytes. Opening a log preallocates its file and writes a
// session mark durably, so that the first commit measured finds the log
// ready. The file is removed by close.
func openLogLoop(engine, dir string, writers, recordSize int) (*logLoop, error) {
	open, ok := openLogs[engine]
	if !ok {
		return nil, fmt.Errorf("engine %q is not a log: want %v", engine, logEngineNames)
	}
	f, err := os.CreateTemp(dir, "aiobench-"+engine+"-*.wal")
	if err != nil {
		return nil, err
	}
	path := f.Name()
	if err := f.Close(); err != nil {
		return nil, errors.Join(err, os.Remove(path))
	}
	log, err := open(path)
	if err != nil {
		return nil, errors.Join(err, os.Remove(path))
	}
	l := &logLoop{log: log, path: path}
	rng := rand.NewChaCha8([32]byte{'r', 'e', 'c', 'o', 'r', 'd'})
	for range writers {
		record := make([]byte, recordSize)
		_, _ = rng.Read(record)
		l.records = append(l.records, record)
	}
	return l, nil
}

func (l *logLoop) run(m *meter) error {
	var wg sync.WaitGroup
	errs := make([]error, len(l.records))
	for i, record := range l.records {
		wg.Go(func() { errs[i] = l.append(record, m.issuer(i), m) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// append is one writer: one commit at a time until m says stop. Its first
// error stops the whole run.
func (l *logLoop) append(record []byte, im *issuerMeter, m *meter) error {
	ctx := context.Background()
	for !m.stopping() {
		start := time.Now()
		if _, err := l.log.Append(ctx, record); err != nil {
			m.stop.Store(true)
			return err
		}
		im.record(time.Since(start), true)
	}
	return nil
}

// close closes the log, which waits for what is in flight, and removes its
// file.
func (l *logLoop) close() error {
	return errors.Join(l.log.Close(), os.Remove(l.path))
}

// appendWorkload describes a -log run to measure: writes only, each of
// recordSize bytes, so that the MB/s of the result is that of the records.
func appendWorkload(recordSize int) *workload {
	return &workload{pattern: "append", blockSize: recordSize, blocks: 1}
}
