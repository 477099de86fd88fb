package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// A comparison is one line of the ratio table: an engine's measure divided
// by a baseline engine's in the same round.
type comparison struct {
	engine   string
	baseline string
	measure  string // one of the measure constants of goals.go
}

// ratioTables lists, for each kind of rows, the comparisons that -goals
// prints: the ones that the goals rest on and the ones that put them in
// context (fio at its best, the other baselines).
var ratioTables = map[rowKind][]comparison{
	smallBlockRows: {
		{"aio", "fio", measureIOPS},
		{"aio", "fio", measureCPU},
		{"aio", "fio", measureMachineCPU},
		{"aio-batch", "fio", measureIOPS},
		{"aio-batch", "fio", measureCPU},
		{"aio-batch", "fio", measureMachineCPU},
		{"aio", "fio-best", measureIOPS},
		{"aio-batch", "fio-best", measureIOPS},
		{"aio", "pread", measureIOPS},
		{"aio", "pread", measureCPU},
		{"aio-batch", "getevents", measureIOPS},
		{"aio-batch", "getevents", measureCPU},
	},
	largeBlockRows: {
		{"aio", "fio", measureMBps},
		{"aio", "fio", measureCPU},
		{"aio-batch", "fio", measureMBps},
		{"aio-batch", "fio", measureCPU},
		{"aio", "fio-best", measureMBps},
		{"aio-batch", "fio-best", measureMBps},
		{"aio", "pread", measureMBps},
		{"aio-batch", "getevents", measureMBps},
		{"aio-stream", "fio", measureMBps},
		{"aio-stream", "fio", measureCPU},
		{"aio-stream", "fio", measureMachineCPU},
	},
	durableRows: {
		{"aio", fdatasyncEngine, measureIOPS},
		{"aio", fdatasyncEngine, measureThreads},
		{"aio", fdatasyncEngine, measureCPU},
		{"aio", "pread", measureIOPS},
		{"aio", "pread", measureThreads},
		{"aio-batch", fdatasyncEngine, measureIOPS},
		{"aio-batch", fdatasyncEngine, measureThreads},
		{"aio-batch", fdatasyncEngine, measureCPU},
		{"aio-batch", "pread", measureIOPS},
		{"aio-batch", "pread", measureThreads},
		{"aio", "fio", measureIOPS},
		{"aio-batch", "fio", measureIOPS},
		{"aio", "fio-best", measureIOPS},
		{"aio-batch", "fio-best", measureIOPS},
		{"aio-batch", "getevents", measureIOPS},
		{"pread", fdatasyncEngine, measureIOPS},
	},
	logRows: {
		{aioLogEngine, groupCommitEngine, measureCommits},
		{aioLogEngine, groupCommitEngine, measureP99},
		{aioLogEngine, groupCommitEngine, measureCPU},
		{aioLogEngine, groupCommitEngine, measureThreads},
	},
}

// writeRatioTable prints one line per comparison of the kind of rows and
// one column per queue depth (or, for -log, number of writers, with the
// lines repeated for each record size): the median of the per-round
// ratios and, in brackets, their smallest and largest.
func writeRatioTable(w io.Writer, rows []summaryRow, kind rowKind) error {
	var depths, records []int
	for _, row := range rows {
		if !slices.Contains(depths, row.QueueDepth) {
			depths = append(depths, row.QueueDepth)
		}
		if !slices.Contains(records, row.RecordSize) {
			records = append(records, row.RecordSize)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"ratio: median (min–max) over rounds"}
	for _, qd := range depths {
		switch {
		case kind == logRows && qd == 1:
			header = append(header, "1 writer")
		case kind == logRows:
			header = append(header, fmt.Sprintf("%d writers", qd))
		default:
			header = append(header, fmt.Sprintf("QD%d", qd))
		}
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, record := range records {
		for _, c := range ratioTables[kind] {
			label := fmt.Sprintf("%s/%s %s", c.engine, c.baseline, measureLabel(c.measure, kind))
			if kind == logRows {
				label += fmt.Sprintf(", %s records", formatSize(int64(record)))
			}
			cells := []string{label}
			for _, qd := range depths {
				cells = append(cells, ratioCell(rows, c, point{queueDepth: qd, recordSize: record}))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
	}
	return tw.Flush()
}

// measureLabel names a measure in the ratio table: for -log rows an I/O is
// a commit.
func measureLabel(measure string, kind rowKind) string {
	switch {
	case kind == logRows && measure == measureCPU:
		return "CPU/commit"
	case measure == measureThreads:
		return "peak threads"
	}
	return measure
}

// ratioCell formats one comparison at one point, or a dash if either
// engine did not run there.
func ratioCell(rows []summaryRow, c comparison, p point) string {
	for i := range rows {
		if rows[i].Engine != c.engine || rows[i].QueueDepth != p.queueDepth || rows[i].RecordSize != p.recordSize {
			continue
		}
		r := rows[i].versus(c.baseline)
		if r == nil {
			break
		}
		value, s := r.of(c.measure)
		return fmt.Sprintf("%.2f× (%.2f–%.2f)", value, s.Min, s.Max)
	}
	return "-"
}

// writeVerdicts prints each goal with what was measured and PASS or MISS.
func writeVerdicts(w io.Writer, verdicts []verdict) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "goal\tmedian\tverdict")
	for _, v := range verdicts {
		measured := "-"
		switch {
		case v.Status == "n/a":
		case v.Count:
			measured = fmt.Sprintf("%.0f", v.Measured)
		default:
			measured = fmt.Sprintf("%.2f×", v.Measured)
		}
		line := fmt.Sprintf("%s\t%s\t%s", v.Goal, measured, v.Status)
		if v.Note != "" {
			line += "\t" + v.Note
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := missed(verdicts); n > 0 {
		fmt.Fprintf(w, "%d of %d goals missed\n", n, len(verdicts))
	}
	return nil
}
