package wal_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linuxaio/aio/examples/wal"
)

// BenchmarkAppend measures durable appends: writers goroutines append
// records of a size between them, b.N in all, to a new log in AIO_TEST_DIR
// (or the system's temporary directory), with each kind of log.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 8, 64, 256} {
		for _, size := range []int{128, 1024, 4096} {
			for _, k := range kinds {
				b.Run(fmt.Sprintf("%s/writers=%d/record=%d", k.name, writers, size), func(b *testing.B) {
					benchmarkAppend(b, k.open, writers, size)
				})
			}
		}
	}
}

func benchmarkAppend(b *testing.B, open func(string, *wal.Options) (log, error), writers, size int) {
	path := filepath.Join(testDir(b), "log")
	l, err := open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	rec := make([]byte, size)
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	for range writers {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if _, err := l.Append(context.Background(), rec); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
}
