package main

import (
	"math"
	"testing"
	"time"
)

func TestBucketsAreContiguousAndOrdered(t *testing.T) {
	t.Parallel()
	for _, v := range []uint64{0, 1, 31, 63, 64, 65, 127, 128, 1000, 123456789, 1 << 40, math.MaxUint64} {
		i := bucketOf(v)
		if i < 0 || i >= histogramBuckets {
			t.Fatalf("bucketOf(%d) = %d, outside [0, %d)", v, i, histogramBuckets)
		}
		if got := bucketOf(bucketMiddle(i)); got != i {
			t.Errorf("bucketOf(bucketMiddle(%d)) = %d; the middle of a bucket must fall in it", i, got)
		}
	}
	for v := uint64(1); v < 1<<20; v++ {
		if bucketOf(v) < bucketOf(v-1) || bucketOf(v) > bucketOf(v-1)+1 {
			t.Fatalf("buckets of %d and %d are %d and %d; want equal or adjacent", v-1, v, bucketOf(v-1), bucketOf(v))
		}
	}
}

func TestQuantilesWithinPrecision(t *testing.T) {
	t.Parallel()
	// 1 µs, 2 µs, …, 100 ms: the q-quantile is q × 100 ms.
	var h latencyHistogram
	const n = 100_000
	for i := 1; i <= n; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := q * n * float64(time.Microsecond)
		got := float64(h.quantile(q))
		if math.Abs(got-want)/want > 1.0/(2*subBuckets) {
			t.Errorf("quantile(%v) = %v, want %v within %.1f%%", q, time.Duration(got), time.Duration(want), 100.0/(2*subBuckets))
		}
	}
	if got, want := h.mean(), (n+1)*time.Microsecond/2; got != want {
		t.Errorf("mean = %v, want %v exactly", got, want)
	}
	if got := h.quantile(1); got != n*time.Microsecond {
		t.Errorf("quantile(1) = %v, want the maximum %v", got, n*time.Microsecond)
	}
}

func TestMergeEqualsRecordingTogether(t *testing.T) {
	t.Parallel()
	var a, b, both latencyHistogram
	for i := range 1000 {
		d := time.Duration(i*i) * time.Nanosecond
		both.record(d)
		if i%3 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
	}
	a.merge(&b)
	if a != both {
		t.Errorf("merged histogram differs from one that recorded everything: %+v vs %+v", a.summary(), both.summary())
	}
}

func TestEmptyAndNegative(t *testing.T) {
	t.Parallel()
	var h latencyHistogram
	if s := h.summary(); s != (latencySummary{}) {
		t.Errorf("summary of an empty histogram = %+v, want zeros", s)
	}
	h.record(-time.Second)
	if h.count() != 1 || h.quantile(0.5) != 0 {
		t.Errorf("a negative duration should count as zero; count %d, median %v", h.count(), h.quantile(0.5))
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	var h latencyHistogram
	if allocs := testing.AllocsPerRun(1000, func() { h.record(123 * time.Microsecond) }); allocs != 0 {
		t.Errorf("record allocates %v times per call, want 0", allocs)
	}
}
