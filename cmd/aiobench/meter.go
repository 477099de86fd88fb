package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// A meter collects the measurements of one run of a Go engine: one
// issuerMeter per issuer, so that issuers never share a written cache line
// for their counts, latency histograms shared by a few issuers each, and a
// stop flag that the issuers poll between I/Os.
type meter struct {
	issuers []issuerMeter
	shards  []meterShard
	stop    atomic.Bool
}

// meterShards is how many latency histograms a meter's issuers share. A
// histogram each would be 15 KiB per issuer, 60 MiB for 4096 goroutines:
// every record missed the caches, and recording cost 10% of the goroutine
// engine's CPU at 1024 in flight. A few dozen stay in the caches, and with
// GOMAXPROCS issuers running at once their locks are rarely contended.
const meterShards = 64

// A meterShard holds the latencies of the issuers that share it. Reads and
// writes have histograms of their own, so that a mixed workload can report
// each direction; a direction that the workload never takes has none.
type meterShard struct {
	mu     sync.Mutex
	reads  *latencyHistogram
	writes *latencyHistogram
	_      [64]byte // keeps the next shard's lock off this cache line
}

// An issuerMeter belongs to one issuer of I/O: only it records; progress
// reporting reads completed concurrently.
type issuerMeter struct {
	completed atomic.Int64
	shard     *meterShard
	_         [64]byte // keeps the next issuer's counter off this cache line
}

// newMeter returns a meter for the given number of issuers, with room for
// the latencies of reads if reads is set and of writes if writes is set.
func newMeter(issuers int, reads, writes bool) *meter {
	m := &meter{issuers: make([]issuerMeter, issuers), shards: make([]meterShard, min(issuers, meterShards))}
	for i := range m.shards {
		if reads {
			m.shards[i].reads = new(latencyHistogram)
		}
		if writes {
			m.shards[i].writes = new(latencyHistogram)
		}
	}
	for i := range m.issuers {
		m.issuers[i].shard = &m.shards[i%len(m.shards)]
	}
	return m
}

// issuer returns the meter of issuer i.
func (m *meter) issuer(i int) *issuerMeter { return &m.issuers[i] }

// stopping reports whether the run's time is up; issuers start no new I/O
// once it is true.
func (m *meter) stopping() bool { return m.stop.Load() }

// record counts one completed I/O that took d from submission to completion;
// write says whether it wrote. The meter must have been made for that
// direction.
func (im *issuerMeter) record(d time.Duration, write bool) {
	s := im.shard
	s.mu.Lock()
	if write {
		s.writes.record(d)
	} else {
		s.reads.record(d)
	}
	s.mu.Unlock()
	im.completed.Add(1)
}

// completed returns the number of I/Os completed so far by all issuers. It
// may be called while the run goes on.
func (m *meter) completed() int64 {
	var n int64
	for i := range m.issuers {
		n += m.issuers[i].completed.Load()
	}
	return n
}

// latency returns the merged latency histogram of all issuers' writes if
// write is set, or of their reads; it is empty for a direction that the
// meter was not made for. Call it only after the issuers have finished.
func (m *meter) latency(write bool) *latencyHistogram {
	var h latencyHistogram
	for i := range m.shards {
		own := m.shards[i].reads
		if write {
			own = m.shards[i].writes
		}
		if own != nil {
			h.merge(own)
		}
	}
	return &h
}
