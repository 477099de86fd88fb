package main

import (
	"fmt"
	"strings"
)

// A goal is one performance target of the aio package: an engine's measure
// at a queue depth, as a ratio to a baseline engine or, for OS threads, as
// a count, held against a limit.
type goal struct {
	engine     string
	queueDepth int
	measure    string  // "IOPS", "CPU/IO" or "threads"
	baseline   string  // engine divided by; "" for threads
	atLeast    bool    // the value must be ≥ limit; otherwise ≤
	limit      float64 // for threads, added to GOMAXPROCS
}

// packageGoals lists the targets that -goals judges. The goroutine API
// (aio) must match fio libaio at depth and a blocking pread at depth 1; the
// batch API (aio-batch) must match fio at every depth and beat the plainest
// io_getevents loop in Go; neither may need an OS thread per I/O.
var packageGoals = func() []goal {
	var goals []goal
	for _, qd := range []int{32, 128} {
		goals = append(goals,
			goal{engine: "aio", queueDepth: qd, measure: "IOPS", baseline: "fio", atLeast: true, limit: 1.0},
			goal{engine: "aio", queueDepth: qd, measure: "CPU/IO", baseline: "fio", limit: 1.1})
	}
	goals = append(goals,
		goal{engine: "aio", queueDepth: 1, measure: "IOPS", baseline: "pread", atLeast: true, limit: 1.0},
		goal{engine: "aio", queueDepth: 1, measure: "IOPS", baseline: "fio", atLeast: true, limit: 0.9},
		goal{engine: "aio", queueDepth: 1, measure: "CPU/IO", baseline: "pread", limit: 1.0})
	for _, qd := range []int{1, 32, 128} {
		goals = append(goals,
			goal{engine: "aio-batch", queueDepth: qd, measure: "IOPS", baseline: "fio", atLeast: true, limit: 1.0},
			goal{engine: "aio-batch", queueDepth: qd, measure: "CPU/IO", baseline: "fio", limit: 1.0},
			goal{engine: "aio-batch", queueDepth: qd, measure: "IOPS", baseline: "getevents", atLeast: true, limit: 1.0})
	}
	for _, engine := range []string{"aio", "aio-batch"} {
		goals = append(goals, goal{engine: engine, queueDepth: 128, measure: "threads", limit: 8})
	}
	return goals
}()

// describe names the goal, with its limit, in words.
func (g goal) describe() string {
	op := "≤"
	if g.atLeast {
		op = "≥"
	}
	if g.measure == "threads" {
		return fmt.Sprintf("%s QD%d peak OS threads %s GOMAXPROCS+%g", g.engine, g.queueDepth, op, g.limit)
	}
	return fmt.Sprintf("%s QD%d %s %s %.1f× %s", g.engine, g.queueDepth, g.measure, op, g.limit, g.baseline)
}

// goalsHelp lists the goals for aiobench -help.
func goalsHelp() string {
	var b strings.Builder
	for _, g := range packageGoals {
		fmt.Fprintf(&b, "  %s\n", g.describe())
	}
	return b.String()
}

// A verdict is a goal judged on a report's summary.
type verdict struct {
	Goal     string  `json:"goal"`
	Measured float64 `json:"measured"` // the median ratio, or the peak thread count
	Limit    float64 `json:"limit"`
	Status   string  `json:"status"` // "PASS", "MISS", or "n/a" when not measured
}

// judgeGoals judges every goal on rows; gomaxprocs sets the thread limit.
func judgeGoals(rows []summaryRow, gomaxprocs int) []verdict {
	verdicts := make([]verdict, 0, len(packageGoals))
	for _, g := range packageGoals {
		v := verdict{Goal: g.describe(), Limit: g.limit, Status: "n/a"}
		if g.measure == "threads" {
			v.Limit += float64(gomaxprocs)
		}
		if value, ok := g.value(rows); ok {
			v.Measured = value
			v.Status = "MISS"
			if g.atLeast && value >= v.Limit || !g.atLeast && value <= v.Limit {
				v.Status = "PASS"
			}
		}
		verdicts = append(verdicts, v)
	}
	return verdicts
}

// value finds the goal's measured value in rows.
func (g goal) value(rows []summaryRow) (float64, bool) {
	for i := range rows {
		row := &rows[i]
		if row.Engine != g.engine || row.QueueDepth != g.queueDepth {
			continue
		}
		if g.measure == "threads" {
			return float64(row.PeakThreads), true
		}
		r := row.versus(g.baseline)
		if r == nil {
			return 0, false
		}
		if g.measure == "IOPS" {
			return r.IOPS, true
		}
		return r.CPUPerIO, true
	}
	return 0, false
}

// missed counts the verdicts that are MISS.
func missed(verdicts []verdict) int {
	n := 0
	for _, v := range verdicts {
		if v.Status == "MISS" {
			n++
		}
	}
	return n
}
