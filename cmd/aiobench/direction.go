package main

// With -rw randrw a run's reads and writes are also reported apart, as fio
// reports them: a result and a summary row keep the figures of the whole
// run at their top level, where the single-direction patterns have them,
// and the figures of each direction under read and write. CPU time and OS
// threads belong to the run, not to a direction.

// figures are the rates and latencies (in microseconds, as in a result) of
// a run or a direction of one, or their medians over rounds.
type figures struct {
	IOPS        float64 `json:"iops"`
	MBPerSecond float64 `json:"mb_per_s"`
	LatencyMean float64 `json:"lat_mean_us"`
	LatencyP50  float64 `json:"lat_p50_us"`
	LatencyP99  float64 `json:"lat_p99_us"`
	LatencyP999 float64 `json:"lat_p999_us"`
}

// medianFigures returns the median over group of each of the figures that
// pick gives.
func medianFigures(group []result, pick func(result) figures) figures {
	return figures{
		IOPS:        medianOf(group, func(r result) float64 { return pick(r).IOPS }),
		MBPerSecond: medianOf(group, func(r result) float64 { return pick(r).MBPerSecond }),
		LatencyMean: medianOf(group, func(r result) float64 { return pick(r).LatencyMean }),
		LatencyP50:  medianOf(group, func(r result) float64 { return pick(r).LatencyP50 }),
		LatencyP99:  medianOf(group, func(r result) float64 { return pick(r).LatencyP99 }),
		LatencyP999: medianOf(group, func(r result) float64 { return pick(r).LatencyP999 }),
	}
}

// A directionResult is what one run measured of its reads, or of its
// writes.
type directionResult struct {
	IOs   int64 `json:"ios"`
	Bytes int64 `json:"bytes"`
	figures
}

// newDirectionResult sums up the latencies h of one direction of a run
// that lasted seconds, each I/O moving blockSize bytes.
func newDirectionResult(h *latencyHistogram, blockSize int, seconds float64) *directionResult {
	s := h.summary()
	d := &directionResult{IOs: int64(h.count()), Bytes: int64(h.count()) * int64(blockSize)}
	d.LatencyMean, d.LatencyP50 = microseconds(s.Mean), microseconds(s.P50)
	d.LatencyP99, d.LatencyP999 = microseconds(s.P99), microseconds(s.P999)
	d.setRates(seconds)
	return d
}

// setRates derives IOPS and MB/s from the counts over seconds.
func (d *directionResult) setRates(seconds float64) {
	if seconds > 0 {
		d.IOPS = float64(d.IOs) / seconds
		d.MBPerSecond = float64(d.Bytes) / seconds / 1e6
	}
}

// summarizeDirection takes the medians over group of the direction that
// pick returns, or nil if a run of the group lacks it.
func summarizeDirection(group []result, pick func(result) *directionResult) *figures {
	for _, r := range group {
		if pick(r) == nil {
			return nil
		}
	}
	f := medianFigures(group, func(r result) figures { return pick(r).figures })
	return &f
}

// readsOf and writesOf pick a run's directions for summarizeDirection.
func readsOf(r result) *directionResult  { return r.Read }
func writesOf(r result) *directionResult { return r.Write }
