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
// reporting reads completed concurrently.
type issuerMeter struct {
	completed atomic.Int64
	latency   latencyHistogram
	_         [64]byte // keeps the next issuer's counter off this cache line
}

func newMeter(issuers int) *meter {
	return &meter{issuers: make([]issuerMeter, issuers)}
}

// issuer returns the meter of issuer i.
func (m *meter) issuer(i int) *issuerMeter { return &m.issuers[i] }

// stopping reports whether the run's time is up; issuers start no new I/O
// once it is true.
func (m *meter) stopping() bool { return m.stop.Load() }

// record counts one completed I/O that took d from submission to completion.
func (im *issuerMeter) record(d time.Duration) {
	im.latency.record(d)
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

// latency returns the merged latency histogram of all issuers. Call it only
// after the issuers have finished.
func (m *meter) latency() *latencyHistogram {
	var h latencyHistogram
	for i := range m.issuers {
		h.merge(&m.issuers[i].latency)
	}
	return &h
}
