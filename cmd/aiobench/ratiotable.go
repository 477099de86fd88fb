package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// A comparison is one line of the ratio table: an engine's IOPS or CPU per
// I/O divided by a baseline engine's in the same round.
type comparison struct {
	engine   string
	baseline string
	cpu      bool // CPU per I/O rather than IOPS
}

// ratioTable lists the comparisons that -goals prints, the ones that the
// goals rest on and the ones that put them in context (fio at its best).
var ratioTable = []comparison{
	{"aio", "fio", false},
	{"aio", "fio", true},
	{"aio-batch", "fio", false},
	{"aio-batch", "fio", true},
	{"aio", "fio-best", false},
	{"aio-batch", "fio-best", false},
	{"aio", "pread", false},
	{"aio", "pread", true},
	{"aio-batch", "getevents", false},
	{"aio-batch", "getevents", true},
}

// writeRatioTable prints one line per comparison and one column per queue
// depth: the median of the per-round ratios and, in brackets, their
// smallest and largest.
func writeRatioTable(w io.Writer, rows []summaryRow) error {
	var depths []int
	for _, row := range rows {
		if !slices.Contains(depths, row.QueueDepth) {
			depths = append(depths, row.QueueDepth)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"ratio: median (min–max) over rounds"}
	for _, qd := range depths {
		header = append(header, fmt.Sprintf("QD%d", qd))
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, c := range ratioTable {
		measure := "IOPS"
		if c.cpu {
			measure = "CPU/IO"
		}
		cells := []string{fmt.Sprintf("%s/%s %s", c.engine, c.baseline, measure)}
		for _, qd := range depths {
			cells = append(cells, ratioCell(rows, c, qd))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// ratioCell formats one comparison at one depth, or a dash if either engine
// did not run there.
func ratioCell(rows []summaryRow, c comparison, qd int) string {
	for i := range rows {
		if rows[i].Engine != c.engine || rows[i].QueueDepth != qd {
			continue
		}
		r := rows[i].versus(c.baseline)
		if r == nil {
			break
		}
		value, s := r.IOPS, r.IOPSRange
		if c.cpu {
			value, s = r.CPUPerIO, r.CPUPerIORange
		}
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
		case strings.Contains(v.Goal, "threads"):
			measured = fmt.Sprintf("%.0f", v.Measured)
		default:
			measured = fmt.Sprintf("%.2f×", v.Measured)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Goal, measured, v.Status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := missed(verdicts); n > 0 {
		fmt.Fprintf(w, "%d of %d goals missed\n", n, len(verdicts))
	}
	return nil
}
