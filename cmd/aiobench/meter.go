package main

import (
	"sync/atomic"
	"time"
)

// A meter collects the measurements of one run of a Go engine: one
// issuerMeter per issuer, so that issuers never share a written cache line,
// and a stop flag that the issuers poll between I/Os.
type meter struct {
	issuers []issuerMeter
	stop    atomic.Bool
}

// An issuerMeter belongs to one issuer of I/O: only it records; progress
// reporting reads completed concurrently. Reads and writes have histograms
// of their own, so that a mixed workload can report each direction; a
// direction that the workload never takes has none, which keeps the memory
// of a deep queue of readers at one histogram per issuer.
type issuerMeter struct {
	completed atomic.Int64
	reads     *latencyHistogram
	writes    *latencyHistogram
	_         [64]byte // keeps the next issuer's counter off this cache line
}

// newMeter returns a meter for the given number of issuers, with room for
// the latencies of reads if reads is set and of writes if writes is set.
func newMeter(issuers int, reads, writes bool) *meter {
	m := &meter{issuers: make([]issuerMeter, issuers)}
	for i := range m.issuers {
		if reads {
			m.issuers[i].reads = new(latencyHistogram)
		}
		if writes {
			m.issuers[i].writes = new(latencyHistogram)
		}
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
	if write {
		im.writes.record(d)
	} else {
		im.reads.record(d)
	}
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
	for i := range m.issuers {
		own := m.issuers[i].reads
		if write {
			own = m.issuers[i].writes
		}
		if own != nil {
			h.merge(own)
		}
	}
	return &h
}
