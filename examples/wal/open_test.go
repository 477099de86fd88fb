package wal_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/linuxaio/aio/examples/wal"
)

// TestOpenBlankFile opens files of only zeroes, which a crash while a log
// was being made can leave: each opens as a new log, which then works.
func TestOpenBlankFile(t *testing.T) {
	for _, size := range []int{0, 10, 4096, 3*4096 + 5} {
		for _, k := range kinds {
			path := filepath.Join(testDir(t), "log")
			if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := k.open(path, smallLog())
			if err != nil {
				t.Errorf("%s: Open of a file of %d zero bytes: %v", k.name, size, err)
				continue
			}
			checkReplay(t, l, 0, 0)
			for i := uint64(1); i <= 3; i++ {
				if _, err := l.Append(context.Background(), record(i, 5000)); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			for _, reopen := range kinds {
				l, err := reopen.open(path, smallLog())
				if err != nil {
					t.Fatalf("%s: reopening with %s: %v", k.name, reopen.name, err)
				}
				checkReplay(t, l, 3, 5000)
				l.Close()
			}
		}
	}
}

// TestCreateAtomic makes new logs while another goroutine reads the file
// at their path as fast as it can: whenever there is a file there, it
// begins with a whole header block, never with a part of one.
func TestCreateAtomic(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			dir := testDir(t)
			path := filepath.Join(dir, "log")
			var (
				stop    atomic.Bool
				partial atomic.Value // the first partial file seen
				wg      sync.WaitGroup
			)
			wg.Go(func() {
				for !stop.Load() {
					b, err := os.ReadFile(path)
					if err == nil && (len(b) < 4096 || !bytes.HasPrefix(b, []byte("aiowal\x00\x01"))) {
						partial.CompareAndSwap(nil, b)
					}
				}
			})
			for i := 0; i < 30 && partial.Load() == nil; i++ {
				l, err := k.open(path, &wal.Options{Preallocate: 4096})
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			}
			stop.Store(true)
			wg.Wait()
			if b, _ := partial.Load().([]byte); b != nil {
				n := min(len(b), 8)
				t.Errorf("a file of %d bytes, beginning %q, at the path of a log being made", len(b), b[:n])
			}
		})
	}
}
