package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// fioOutput is the part of fio's --output-format=json that aiobench reads.
type fioOutput struct {
	Version string   `json:"fio version"`
	Jobs    []fioJob `json:"jobs"`
}

// A fioJob is one job's statistics. With --unified_rw_reporting=mixed, fio
// reports reads and writes together under "mixed"; with =both, under
// "mixed" and apart under "read" and "write"; otherwise apart only.
type fioJob struct {
	Name      string        `json:"jobname"`
	Error     int           `json:"error"`
	RuntimeMS float64       `json:"job_runtime"` // the time the job ran I/O
	UserCPU   float64       `json:"usr_cpu"`     // percent of one CPU over RuntimeMS
	SystemCPU float64       `json:"sys_cpu"`     // percent of one CPU over RuntimeMS
	Mixed     *fioDirection `json:"mixed"`
	Read      *fioDirection `json:"read"`
	Write     *fioDirection `json:"write"`
}

// A fioDirection is the statistics of reads, of writes, or of both.
type fioDirection struct {
	IOBytes   int64      `json:"io_bytes"`
	TotalIOs  int64      `json:"total_ios"`
	IOPS      float64    `json:"iops"`
	BytesPerS float64    `json:"bw_bytes"`
	Latency   fioLatency `json:"lat_ns"`  // submission to completion
	CLatency  fioLatency `json:"clat_ns"` // io_submit return to completion
}

// A fioLatency is a latency distribution in nanoseconds. Percentile maps
// percentages written as "99.900000" to values.
type fioLatency struct {
	N          int64              `json:"N"`
	Mean       float64            `json:"mean"`
	Percentile map[string]float64 `json:"percentile"`
}

// parseFioOutput decodes fio's JSON report. fio may print warnings before
// the JSON on the same stream; they are skipped.
func parseFioOutput(data []byte) (*fioOutput, error) {
	start := bytes.Index(data, []byte("{\n"))
	if start < 0 {
		start = bytes.IndexByte(data, '{')
	}
	if start < 0 {
		return nil, errors.New("fio printed no JSON report")
	}
	var out fioOutput
	if err := json.NewDecoder(bytes.NewReader(data[start:])).Decode(&out); err != nil {
		return nil, fmt.Errorf("reading fio's JSON report: %w", err)
	}
	if len(out.Jobs) == 0 {
		return nil, errors.New("fio's JSON report has no jobs")
	}
	return &out, nil
}

// result converts the statistics of job to aiobench's, for queue depth qd.
// fio gives CPU use as a percentage of one CPU over the job's runtime, so
// the CPU seconds are (usr_cpu + sys_cpu) / 100 × runtime.
func (job *fioJob) result(qd int) (result, error) {
	if job.Error != 0 {
		return result{}, fmt.Errorf("fio job %q failed with error %d", job.Name, job.Error)
	}
	stats := job.combined()
	if stats.TotalIOs == 0 {
		return result{}, fmt.Errorf("fio job %q did no I/O", job.Name)
	}
	latency := stats.latency().figures()
	seconds := job.RuntimeMS / 1000
	res := result{
		Engine:      "fio",
		QueueDepth:  qd,
		IOs:         stats.TotalIOs,
		Bytes:       stats.IOBytes,
		Seconds:     seconds,
		LatencyMean: latency.LatencyMean,
		LatencyP50:  latency.LatencyP50,
		LatencyP99:  latency.LatencyP99,
		LatencyP999: latency.LatencyP999,
		CPUSeconds:  (job.UserCPU + job.SystemCPU) / 100 * seconds,
	}
	res.setRates()
	return res, nil
}

// combined returns the statistics of all the job's I/O. Without a mixed
// section it adds reads and writes, and takes the latency of the direction
// that did more I/O, since percentiles cannot be added.
func (job *fioJob) combined() fioDirection {
	if job.Mixed != nil {
		return *job.Mixed
	}
	var read, write fioDirection
	if job.Read != nil {
		read = *job.Read
	}
	if job.Write != nil {
		write = *job.Write
	}
	sum := read
	if write.TotalIOs > read.TotalIOs {
		sum = write
	}
	sum.IOBytes = read.IOBytes + write.IOBytes
	sum.TotalIOs = read.TotalIOs + write.TotalIOs
	sum.IOPS = read.IOPS + write.IOPS
	sum.BytesPerS = read.BytesPerS + write.BytesPerS
	return sum
}

// directions returns the statistics of the job's reads and of its writes,
// for a job that ran for seconds; a direction that fio did not report has
// zeros.
func (job *fioJob) directions(seconds float64) (read, write *directionResult) {
	return job.Read.directionResult(seconds), job.Write.directionResult(seconds)
}

// directionResult converts the statistics of one direction to aiobench's;
// d may be nil.
func (d *fioDirection) directionResult(seconds float64) *directionResult {
	if d == nil {
		return &directionResult{}
	}
	res := &directionResult{IOs: d.TotalIOs, Bytes: d.IOBytes, figures: d.latency().figures()}
	res.setRates(seconds)
	return res
}

// latency returns the latency from submission to completion, or from the
// return of io_submit to completion if fio ran without --lat_percentiles.
func (d *fioDirection) latency() fioLatency {
	if len(d.Latency.Percentile) == 0 {
		return d.CLatency
	}
	return d.Latency
}

// percentile returns the value fio gave for percentage p, or 0 if it gave
// none.
// figures returns the mean and percentiles of l, which fio gives in
// nanoseconds, in microseconds; the rates are left at zero.
func (l fioLatency) figures() figures {
	return figures{
		LatencyMean: l.Mean / 1000,
		LatencyP50:  l.percentile(50) / 1000,
		LatencyP99:  l.percentile(99) / 1000,
		LatencyP999: l.percentile(99.9) / 1000,
	}
}

func (l fioLatency) percentile(p float64) float64 {
	for key, value := range l.Percentile {
		if k, err := strconv.ParseFloat(key, 64); err == nil && math.Abs(k-p) < 1e-6 {
			return value
		}
	}
	return 0
}
