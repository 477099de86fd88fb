package wal_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/examples/wal"
)

// TestCloseWhileAppending closes the log under load: every Append returns,
// with nil or ErrClosed, every record acknowledged is there after a reopen,
// and no goroutine of the log is left.
func TestCloseWhileAppending(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			path := filepath.Join(testDir(t), "log")
			l, err := k.open(path, smallLog())
			if err != nil {
				t.Fatal(err)
			}
			const writers = 16
			var acked [writers]int
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := 0; ; i++ {
						_, err := l.Append(context.Background(), tagged(w, i, 100+i%700))
						if errors.Is(err, wal.ErrClosed) {
							return
						}
						if err != nil {
							t.Error(err)
							return
						}
						acked[w] = i + 1
					}
				})
			}
			time.Sleep(50 * time.Millisecond)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			l, err = k.open(path, smallLog())
			if err != nil {
				t.Fatal(err)
			}
			var have [writers]int
			if err := l.Replay(func(seq uint64, rec []byte) error {
				w, _, err := untag(rec)
				if err == nil {
					have[w]++
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			for w := range writers {
				if have[w] < acked[w] {
					t.Errorf("writer %d: %d records acknowledged, %d recovered", w, acked[w], have[w])
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > before {
				t.Errorf("%d goroutines after Close, %d before Open", n, before)
			}
		})
	}
}

// TestAppendCancelled gives Append a done context: it returns at once with
// the context's error or, if the record was durable first, nil.
func TestAppendCancelled(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			l, err := k.open(filepath.Join(testDir(t), "log"), smallLog())
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			for range 100 {
				if _, err := l.Append(ctx, []byte("x")); err != nil && !errors.Is(err, context.Canceled) {
					t.Fatalf("Append with a cancelled context: %v", err)
				}
			}
		})
	}
}

// TestSharedContext appends through a Context that the program also uses,
// with fewer slots than the log would keep in flight.
func TestSharedContext(t *testing.T) {
	c, err := aio.NewContext(2)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(testDir(t), "log")
	l, err := wal.Open(path, &wal.Options{Context: c, MaxInFlight: 8, Preallocate: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				if _, err := l.Append(context.Background(), tagged(i, j, 3000)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// The Context is the caller's: still open.
	f, err := c.OpenFile(path, 0, 0)
	if err != nil {
		t.Fatalf("the shared Context after the log's Close: %v", err)
	}
	f.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}
