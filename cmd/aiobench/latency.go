package main

import (
	"math"
	"math/bits"
	"time"
)

// subBucketBits sets the precision of latencyHistogram: every power of two
// of nanoseconds is split into 2^subBucketBits equal buckets, so a reported
// percentile (the middle of its bucket) is within 1/2^(subBucketBits+1),
// about 1.6%, of the true value.
const subBucketBits = 5

const (
	subBuckets = 1 << subBucketBits
	// The linear range [0, 2·subBuckets) needs two rows; each further bit
	// length of a uint64 adds one row.
	histogramBuckets = (64 - subBucketBits + 1) * subBuckets
)

// A latencyHistogram counts durations in log-linear buckets, in the manner of
// HdrHistogram: fixed memory, no allocation per sample, bounded relative error.
// The zero value is empty and ready to use. It is not safe for concurrent use;
// give each issuer its own and merge them afterwards.
type latencyHistogram struct {
	counts [histogramBuckets]uint64
	total  uint64
	sum    uint64 // nanoseconds
	max    uint64 // nanoseconds
}

// bucketOf returns the bucket that counts v nanoseconds.
func bucketOf(v uint64) int {
	if v < 2*subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBucketBits - 1 // ≥ 1; v>>shift is in [subBuckets, 2·subBuckets)
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// bucketMiddle returns the middle of the values that bucket i counts.
func bucketMiddle(i int) uint64 {
	if i < 2*subBuckets {
		return uint64(i)
	}
	shift := i/subBuckets - 1
	low := uint64(i%subBuckets+subBuckets) << shift
	return low + (uint64(1)<<shift)/2
}

// record counts one duration; negative durations count as zero.
func (h *latencyHistogram) record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)]++
	h.total++
	h.sum += v
	h.max = max(h.max, v)
}

// merge adds the counts of other to h.
func (h *latencyHistogram) merge(other *latencyHistogram) {
	for i, c := range other.counts {
		h.counts[i] += c
	}
	h.total += other.total
	h.sum += other.sum
	h.max = max(h.max, other.max)
}

// count returns how many durations were recorded.
func (h *latencyHistogram) count() uint64 { return h.total }

// quantile returns the duration below or at which a fraction q (0 < q ≤ 1)
// of the recorded durations lie, within the histogram's precision. It
// returns 0 for an empty histogram.
func (h *latencyHistogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = min(max(rank, 1), h.total)
	if rank == h.total {
		return time.Duration(h.max)
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(bucketMiddle(i), h.max))
		}
	}
	return time.Duration(h.max)
}

// mean returns the average recorded duration, exactly.
func (h *latencyHistogram) mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.sum / h.total)
}

// A latencySummary is what a report shows of a latency distribution.
type latencySummary struct {
	P50  time.Duration
	P99  time.Duration
	P999 time.Duration
	Mean time.Duration
	Max  time.Duration
}

// summary returns the percentiles that reports show.
func (h *latencyHistogram) summary() latencySummary {
	return latencySummary{
		P50:  h.quantile(0.50),
		P99:  h.quantile(0.99),
		P999: h.quantile(0.999),
		Mean: h.mean(),
		Max:  time.Duration(h.max),
	}
}
