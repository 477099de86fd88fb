package main

import "time"

// A result is what one run of one engine at one queue depth measured.
// Latencies are in microseconds, from submission to completion of each I/O.
// With -log, each I/O is a commit: one Append call, its latency the call's.
type result struct {
	Engine      string  `json:"engine"`
	QueueDepth  int     `json:"queue_depth"`           // with -log, the number of writers
	RecordSize  int     `json:"record_size,omitempty"` // with -log, the bytes of each record
	Round       int     `json:"round"`
	IOs         int64   `json:"ios"`
	Bytes       int64   `json:"bytes"`
	Seconds     float64 `json:"seconds"`
	IOPS        float64 `json:"iops"`
	MBPerSecond float64 `json:"mb_per_s"` // 10^6 bytes per second, as fio's MB/s
	LatencyMean float64 `json:"lat_mean_us"`
	LatencyP50  float64 `json:"lat_p50_us"`
	LatencyP99  float64 `json:"lat_p99_us"`
	LatencyP999 float64 `json:"lat_p999_us"`
	CPUSeconds  float64 `json:"cpu_s"`         // user plus system
	CPUPerIO    float64 `json:"cpu_per_io_us"` // CPUSeconds per I/O
	// MachineCPUSeconds is the busy time of all the machine's CPUs over
	// the run (see machineCPUTime); for fio it includes fio's start and
	// exit, a few hundredths of a second.
	MachineCPUSeconds float64 `json:"machine_cpu_s"`
	MachineCPUPerIO   float64 `json:"machine_cpu_per_io_us"` // MachineCPUSeconds per I/O
	PeakThreads       int     `json:"peak_os_threads"`       // of the process that issued the I/O
	// Read and Write split the figures above by direction, for -rw randrw
	// only.
	Read  *directionResult `json:"read,omitempty"`
	Write *directionResult `json:"write,omitempty"`
}

// overall returns the run's figures for reads and writes together.
func (r result) overall() figures {
	return figures{IOPS: r.IOPS, MBPerSecond: r.MBPerSecond, LatencyMean: r.LatencyMean,
		LatencyP50: r.LatencyP50, LatencyP99: r.LatencyP99, LatencyP999: r.LatencyP999}
}

// microseconds converts a duration to the unit that results use.
func microseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Microsecond)
}

// setRates derives IOPS, MB/s and CPU per I/O from the counts and times.
func (r *result) setRates() {
	if r.Seconds > 0 {
		r.IOPS = float64(r.IOs) / r.Seconds
		r.MBPerSecond = float64(r.Bytes) / r.Seconds / 1e6
	}
	if r.IOs > 0 {
		r.CPUPerIO = r.CPUSeconds / float64(r.IOs) * 1e6
		r.MachineCPUPerIO = r.MachineCPUSeconds / float64(r.IOs) * 1e6
	}
}
