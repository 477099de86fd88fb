package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The measures that goals and the ratio table compare.
const (
	measureIOPS    = "IOPS"
	measureCommits = "commits/s" // the IOPS of -log rows, where an I/O is a commit
	measureMBps    = "MB/s"
	measureCPU     = "CPU/IO"
	// measureMachineCPU is the busy time of the whole machine per I/O.
	measureMachineCPU = "machine CPU/IO"
	measureThreads    = "threads" // peak OS threads
	measureP99        = "p99"     // p99 latency
)

// A goal is one performance target of the aio package: an engine's measure
// at a queue depth, as a ratio to a baseline engine or, for OS threads
// without a baseline, as a count, held against a limit. Each applies to
// one kind of rows.
type goal struct {
	kind       rowKind
	engine     string
	queueDepth int // for -log rows, writers; 0 means at every depth measured
	recordSize int // for -log rows; 0 means at every record size measured
	measure    string
	baseline   string  // engine divided by; "" for a thread count
	atLeast    bool    // the value must be ≥ limit; otherwise ≤
	limit      float64 // for a thread count, added to GOMAXPROCS
	// onDevice goals are judged only when the target's data is not in RAM:
	// they are about engines keeping a device busy, and where there is no
	// device the CPU is the limit instead.
	onDevice bool
}

// packageGoals lists the targets that -goals judges.
//
// For small random I/O, the goroutine API (aio) must match fio libaio at
// depth where the device is the limit, at no more than 1.1× fio's CPU, and
// a blocking pread at depth 1; the batch API (aio-batch) must match fio's
// IOPS at no more CPU at every depth and beat the plainest io_getevents loop
// in Go; neither may need an OS thread per I/O. With thousands of reads in
// flight on a disk with a cloud disk's latency (bench/clouddisk), the
// goroutine API must keep up with fio and double what a pool of goroutines
// in pread gets, each API within a few OS threads. For large transfers both
// must move 98% of what fio does, and so must the streams (aio-stream, in
// order, -rw read or write), at no more than fio's CPU. For durable writes, both must commit at
// twice the rate of pwrite+fdatasync and 1.5× that of O_DSYNC pwrites, at a
// quarter of either's threads. And the aio log must commit twice as often
// as the group-commit log on a device, at no worse p99 latency.
var packageGoals = func() []goal {
	var goals []goal
	for _, qd := range []int{32, 128} {
		goals = append(goals,
			goal{kind: smallBlockRows, engine: "aio", queueDepth: qd, measure: measureIOPS, baseline: "fio", atLeast: true, limit: 1.0, onDevice: true},
			goal{kind: smallBlockRows, engine: "aio", queueDepth: qd, measure: measureCPU, baseline: "fio", limit: 1.1})
	}
	goals = append(goals,
		goal{kind: smallBlockRows, engine: "aio", queueDepth: 1, measure: measureIOPS, baseline: "pread", atLeast: true, limit: 1.0},
		goal{kind: smallBlockRows, engine: "aio", queueDepth: 1, measure: measureIOPS, baseline: "fio", atLeast: true, limit: 0.9},
		goal{kind: smallBlockRows, engine: "aio", queueDepth: 1, measure: measureCPU, baseline: "pread", limit: 1.0},
		goal{kind: smallBlockRows, engine: "aio-batch", measure: measureIOPS, baseline: "fio", atLeast: true, limit: 1.0},
		goal{kind: smallBlockRows, engine: "aio-batch", measure: measureCPU, baseline: "fio", limit: 1.0},
		goal{kind: smallBlockRows, engine: "aio-batch", measure: measureIOPS, baseline: "getevents", atLeast: true, limit: 1.0})
	for _, engine := range []string{"aio", "aio-batch"} {
		goals = append(goals, goal{kind: smallBlockRows, engine: engine, queueDepth: 128, measure: measureThreads, limit: 8})
	}
	for _, qd := range []int{1024, 4096} {
		goals = append(goals,
			goal{kind: smallBlockRows, engine: "aio", queueDepth: qd, measure: measureIOPS, baseline: "fio", atLeast: true, limit: 0.9, onDevice: true},
			goal{kind: smallBlockRows, engine: "aio", queueDepth: qd, measure: measureIOPS, baseline: "pread", atLeast: true, limit: 2.0, onDevice: true})
		for _, engine := range []string{"aio", "aio-batch"} {
			goals = append(goals, goal{kind: smallBlockRows, engine: engine, queueDepth: qd, measure: measureThreads, limit: 8})
		}
	}
	for _, engine := range []string{"aio", "aio-batch"} {
		goals = append(goals, goal{kind: largeBlockRows, engine: engine, measure: measureMBps, baseline: "fio", atLeast: true, limit: 0.98})
	}
	goals = append(goals,
		goal{kind: largeBlockRows, engine: "aio-stream", measure: measureMBps, baseline: "fio", atLeast: true, limit: 0.98},
		goal{kind: largeBlockRows, engine: "aio-stream", measure: measureCPU, baseline: "fio", limit: 1.0})
	for _, qd := range []int{32, 64} {
		for _, engine := range []string{"aio", "aio-batch"} {
			goals = append(goals,
				goal{kind: durableRows, engine: engine, queueDepth: qd, measure: measureIOPS, baseline: fdatasyncEngine, atLeast: true, limit: 2.0},
				goal{kind: durableRows, engine: engine, queueDepth: qd, measure: measureIOPS, baseline: "pread", atLeast: true, limit: 1.5},
				goal{kind: durableRows, engine: engine, queueDepth: qd, measure: measureThreads, baseline: fdatasyncEngine, limit: 0.25},
				goal{kind: durableRows, engine: engine, queueDepth: qd, measure: measureThreads, baseline: "pread", limit: 0.25})
		}
	}
	goals = append(goals,
		goal{kind: logRows, engine: aioLogEngine, queueDepth: 64, measure: measureCommits, baseline: groupCommitEngine, atLeast: true, limit: 2.0, onDevice: true},
		goal{kind: logRows, engine: aioLogEngine, queueDepth: 64, measure: measureP99, baseline: groupCommitEngine, limit: 1.0, onDevice: true})
	return goals
}()

// describe names the goal at queue depth qd and record size record, with
// its limit, in words; a zero qd or record stands for every one measured.
func (g goal) describe(qd, record int) string {
	op := "≤"
	if g.atLeast {
		op = "≥"
	}
	var where, every string
	switch {
	case g.kind == logRows:
		where = fmt.Sprintf(" %d writers", qd)
		if record > 0 {
			where += fmt.Sprintf(", %s records,", formatSize(int64(record)))
		} else {
			every = " at every record size"
		}
	case qd > 0:
		where = fmt.Sprintf(" QD%d", qd)
	default:
		every = " at every depth"
	}
	var text string
	if g.baseline == "" {
		text = fmt.Sprintf("%s%s peak OS threads %s GOMAXPROCS+%g%s", g.engine, where, op, g.limit, every)
	} else {
		name := g.measure
		if g.measure == measureThreads {
			name = "peak OS threads"
		}
		text = fmt.Sprintf("%s%s %s %s %s× %s%s", g.engine, where, name, op, formatLimit(g.limit), g.baseline, every)
	}
	return text
}

// formatLimit writes a ratio limit with one decimal, or two where one
// would round it: 1.0, 1.5, 0.98, 0.25.
func formatLimit(limit float64) string {
	if tenths := limit * 10; tenths == math.Trunc(tenths) {
		return strconv.FormatFloat(limit, 'f', 1, 64)
	}
	return strconv.FormatFloat(limit, 'f', 2, 64)
}

// goalsHelp lists the goals for aiobench -help, by the kind of rows that
// they apply to.
func goalsHelp() string {
	var b strings.Builder
	for _, kind := range []rowKind{smallBlockRows, largeBlockRows, durableRows, logRows} {
		fmt.Fprintf(&b, "  %s:\n", kind)
		for _, g := range packageGoals {
			if g.kind == kind {
				text := g.describe(g.queueDepth, g.recordSize)
				if g.onDevice {
					text += " (not judged when the target is in RAM)"
				}
				fmt.Fprintf(&b, "    %s\n", text)
			}
		}
	}
	return b.String()
}

// A verdict is a goal judged on a report's summary.
type verdict struct {
	Goal     string  `json:"goal"`
	Measured float64 `json:"measured"` // the median ratio, or the peak thread count
	Limit    float64 `json:"limit"`
	Count    bool    `json:"count,omitempty"` // Measured and Limit are thread counts, not ratios
	Status   string  `json:"status"`          // "PASS", "MISS", or "n/a" when not measured or not judged
	Note     string  `json:"note,omitempty"`  // why a goal is not judged
}

// A goalSetting is what the goals of a report depend on besides its rows.
type goalSetting struct {
	kind       rowKind
	gomaxprocs int    // the thread limits are counted from it
	ram        string // how the target's data lives in RAM; "" if it does not
}

// judgeGoals judges every goal of the kind of rows in s on rows. A goal at
// every depth (or record size) gives one verdict per depth measured, or one
// "n/a" if the engine did not run.
func judgeGoals(rows []summaryRow, s goalSetting) []verdict {
	var verdicts []verdict
	for _, g := range packageGoals {
		if g.kind != s.kind {
			continue
		}
		for _, p := range g.points(rows) {
			v := verdict{Goal: g.describe(p.queueDepth, p.recordSize), Limit: g.limit, Status: "n/a"}
			if g.baseline == "" {
				v.Count = true
				v.Limit += float64(s.gomaxprocs)
			}
			value, ok := g.value(rows, p)
			switch {
			case g.onDevice && s.ram != "":
				v.Note = "not judged: the target is in RAM (" + s.ram + "), so the CPU is the limit, not a device"
			case ok:
				v.Measured = value
				v.Status = "MISS"
				if g.atLeast && value >= v.Limit || !g.atLeast && value <= v.Limit {
					v.Status = "PASS"
				}
			}
			verdicts = append(verdicts, v)
		}
	}
	return verdicts
}

// points returns where the goal is judged: its own depth and record size,
// or, where it leaves them open, each one at which its engine ran (in the
// order of rows), or the open point alone if it ran at none.
func (g goal) points(rows []summaryRow) []point {
	var points []point
	for _, row := range rows {
		if row.Engine != g.engine || g.queueDepth != 0 && row.QueueDepth != g.queueDepth ||
			g.recordSize != 0 && row.RecordSize != g.recordSize {
			continue
		}
		p := point{queueDepth: g.queueDepth, recordSize: g.recordSize}
		if p.queueDepth == 0 {
			p.queueDepth = row.QueueDepth
		}
		if p.recordSize == 0 && g.kind == logRows {
			p.recordSize = row.RecordSize
		}
		if !slices.Contains(points, p) {
			points = append(points, p)
		}
	}
	if len(points) == 0 {
		return []point{{queueDepth: g.queueDepth, recordSize: g.recordSize}}
	}
	return points
}

// value finds the goal's measured value at p in rows.
func (g goal) value(rows []summaryRow, p point) (float64, bool) {
	for i := range rows {
		row := &rows[i]
		if row.Engine != g.engine || row.QueueDepth != p.queueDepth || row.RecordSize != p.recordSize {
			continue
		}
		if g.baseline == "" {
			return float64(row.PeakThreads), true
		}
		r := row.versus(g.baseline)
		if r == nil {
			return 0, false
		}
		value, _ := r.of(g.measure)
		return value, true
	}
	return 0, false
}

// of returns the median ratio of measure and its spread over rounds.
func (r *ratios) of(measure string) (float64, spread) {
	switch measure {
	case measureMBps:
		return r.MBPerSecond, r.MBPerSecondRange
	case measureCPU:
		return r.CPUPerIO, r.CPUPerIORange
	case measureMachineCPU:
		return r.MachineCPUPerIO, r.MachineCPUPerIORange
	case measureThreads:
		return r.PeakThreads, r.PeakThreadsRange
	case measureP99:
		return r.LatencyP99, r.LatencyP99Range
	}
	return r.IOPS, r.IOPSRange
}

// missed counts the verdicts that are MISS.
func missed(verdicts []verdict) int { return countStatus(verdicts, "MISS") }

// countStatus counts the verdicts whose status is status.
func countStatus(verdicts []verdict, status string) int {
	n := 0
	for _, v := range verdicts {
		if v.Status == status {
			n++
		}
	}
	return n
}
