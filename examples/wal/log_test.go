package wal_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/linuxaio/aio/examples/wal"
)

// A log is what both kinds of log have.
type log interface {
	Append(ctx context.Context, record []byte) (uint64, error)
	Replay(fn func(seq uint64, record []byte) error) error
	Recovered() uint64
	Close() error
}

// kinds opens each kind of log.
var kinds = []struct {
	name string
	open func(path string, opts *wal.Options) (log, error)
}{
	{"aio", func(path string, opts *wal.Options) (log, error) { return asLog(wal.Open(path, opts)) }},
	{"groupcommit", func(path string, opts *wal.Options) (log, error) { return asLog(wal.OpenGroupCommit(path, opts)) }},
}

// asLog keeps a failed Open's nil pointer out of the interface.
func asLog[L log](l L, err error) (log, error) {
	if err != nil {
		return nil, err
	}
	return l, nil
}

// testDir returns a directory for logs, on a filesystem with O_DIRECT.
var testDir = wal.LogDir

// smallLog keeps test files small.
func smallLog() *wal.Options { return &wal.Options{Preallocate: 1 << 20, MaxInFlight: 8} }

// record returns the deterministic content of record seq of a test: its
// own length, between 0 and max bytes, and seq and a checksum in its first
// bytes when it has room.
func record(seq uint64, max int) []byte {
	rng := rand.New(rand.NewPCG(seq, 42))
	b := make([]byte, rng.IntN(max+1))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	if len(b) >= 12 {
		binary.LittleEndian.PutUint64(b, seq)
		binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:]))
	}
	return b
}

// checkReplay checks that l recovered exactly the records 1 to want, each
// as record(seq, max) made it.
func checkReplay(t *testing.T, l log, want uint64, max int) {
	t.Helper()
	if got := l.Recovered(); got != want {
		t.Errorf("Recovered() = %d, want %d", got, want)
	}
	next := uint64(1)
	err := l.Replay(func(seq uint64, rec []byte) error {
		if seq != next {
			return fmt.Errorf("record %d came after %d", seq, next-1)
		}
		next++
		if w := record(seq, max); string(rec) != string(w) {
			return fmt.Errorf("record %d is %d bytes, not the %d appended, or differs", seq, len(rec), len(w))
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if next-1 != want {
		t.Errorf("Replay gave %d records, want %d", next-1, want)
	}
}

func TestAppendReopen(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			path := filepath.Join(testDir(t), "log")
			l, err := k.open(path, smallLog())
			if err != nil {
				t.Fatal(err)
			}
			checkReplay(t, l, 0, 0)
			const max = 9000 // some records span three blocks
			for i := uint64(1); i <= 300; i++ {
				seq, err := l.Append(context.Background(), record(i, max))
				if err != nil || seq != i {
					t.Fatalf("Append = %d, %v; want %d, nil", seq, err, i)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			for _, reopen := range kinds {
				l, err := reopen.open(path, smallLog())
				if err != nil {
					t.Fatalf("reopening with %s: %v", reopen.name, err)
				}
				checkReplay(t, l, 300, max)
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestConcurrentAppends(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			path := filepath.Join(testDir(t), "log")
			l, err := k.open(path, smallLog())
			if err != nil {
				t.Fatal(err)
			}
			const writers, each, max = 32, 40, 600
			// Each writer appends records that name it and their
			// number; seq order must keep each writer's own order.
			var mu sync.Mutex
			got := map[uint64][2]int{}
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						rec := make([]byte, 8+(w*each+i)%max)
						binary.LittleEndian.PutUint32(rec, uint32(w))
						binary.LittleEndian.PutUint32(rec[4:], uint32(i))
						seq, err := l.Append(context.Background(), rec)
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						got[seq] = [2]int{w, i}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if len(got) != writers*each {
				t.Fatalf("%d distinct sequence numbers for %d records", len(got), writers*each)
			}
			l, err = k.open(path, smallLog())
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			last := make([]int, writers)
			for i := range last {
				last[i] = -1
			}
			n := 0
			err = l.Replay(func(seq uint64, rec []byte) error {
				n++
				w, i := int(binary.LittleEndian.Uint32(rec)), int(binary.LittleEndian.Uint32(rec[4:]))
				if got[seq] != [2]int{w, i} || len(rec) != 8+(w*each+i)%max {
					return fmt.Errorf("record %d is writer %d's %d (%d bytes); Append said writer %v", seq, w, i, len(rec), got[seq])
				}
				if i != last[w]+1 {
					return fmt.Errorf("writer %d's record %d follows its %d", w, i, last[w])
				}
				last[w] = i
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != writers*each {
				t.Errorf("replayed %d records, want %d", n, writers*each)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			path := filepath.Join(testDir(t), "log")
			opts := smallLog()
			opts.MaxRecordSize = 1000
			l, err := k.open(path, opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Append(context.Background(), record(1, 10)); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Append(context.Background(), make([]byte, 1001)); !errors.Is(err, wal.ErrTooLarge) {
				t.Errorf("Append of 1001 bytes with MaxRecordSize 1000: %v, want ErrTooLarge", err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if _, err := l.Append(context.Background(), nil); !errors.Is(err, wal.ErrClosed) || !errors.Is(err, os.ErrClosed) {
				t.Errorf("Append after Close: %v, want ErrClosed", err)
			}
			l, err = k.open(path, opts)
			if err != nil {
				t.Fatal(err)
			}
			checkReplay(t, l, 1, 10)
			l.Close()
		})
	}
}

// TestSmallMaxRecordSize opens logs whose records may be smaller than a
// session mark, which Open writes all the same.
func TestSmallMaxRecordSize(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			opts := smallLog()
			opts.MaxRecordSize = 1
			l, err := k.open(filepath.Join(testDir(t), "log"), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if _, err := l.Append(context.Background(), []byte("x")); err != nil {
				t.Errorf("Append of 1 byte with MaxRecordSize 1: %v", err)
			}
			if _, err := l.Append(context.Background(), []byte("xy")); !errors.Is(err, wal.ErrTooLarge) {
				t.Errorf("Append of 2 bytes with MaxRecordSize 1: %v, want ErrTooLarge", err)
			}
		})
	}
}
