package wal_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linuxaio/aio/examples/wal"
)

// BenchmarkAppend measures durable appends: writers goroutines append
// records of one size, b.N in all, to a new log in AIO_TEST_DIR (or the
// system's temporary directory), with each kind of log in turn. Besides
// the time per record it reports commits/s, the percentiles of the time
// each Append took, and the most OS threads the process had meanwhile.
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
	lat := make([][]time.Duration, writers)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	peak := make(chan int)
	go func() { peak <- peakThreads(stop) }()
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				t := time.Now()
				if _, err := l.Append(context.Background(), rec); err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
	for _, p := range []struct {
		q    float64
		unit string
	}{{0.50, "p50-µs"}, {0.99, "p99-µs"}, {0.999, "p99.9-µs"}} {
		if len(all) > 0 {
			b.ReportMetric(float64(all[int(p.q*float64(len(all)-1))].Microseconds()), p.unit)
		}
	}
	b.ReportMetric(float64(<-peak), "peak-threads")
}

// peakThreads samples the process's OS threads every millisecond until
// stop is closed, and returns the most it saw.
func peakThreads(stop <-chan struct{}) int {
	peak := 0
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		if n := threads(); n > peak {
			peak = n
		}
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}

// threads returns the process's OS threads from /proc/self/status.
func threads() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(b, []byte("\nThreads:"))
	if !ok {
		return 0
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	n, _ := strconv.Atoi(string(bytes.TrimSpace(line)))
	return n
}
