package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// logEnginesHelp says what the engines of -log are, for its report and
// aiobench -help.
const logEnginesHelp = aioLogEngine + " is wal.Log (O_DIRECT blocks written with RWF_DSYNC through the aio package); " +
	groupCommitEngine + " is wal.GroupCommitLog (os.File.Write and fdatasync from one flusher goroutine)"

// writeLogText prints a -log report: the settings, then one line per log,
// number of writers and record size, with commits per second, the MB/s of
// the records, the latency of Append, CPU per commit, peak OS threads and
// the ratios of commits/s and p99 latency to groupcommit-log; with -goals
// the ratio table and the verdicts follow.
func (rep *report) writeLogText(w io.Writer) error {
	rounds := "1 round"
	if rep.Rounds > 1 {
		rounds = fmt.Sprintf("%d rounds, medians", rep.Rounds)
	}
	machine := fmt.Sprintf("Linux %s, %d CPUs, GOMAXPROCS %d, %s", rep.Kernel, rep.CPUs, rep.GOMAXPROCS, rep.GoVersion)
	fmt.Fprintf(w, "date      %s\n", rep.Date)
	fmt.Fprintf(w, "workload  group-commit logs (examples/wal), every Append durable: %s writers, records of %s, %gs per run, %s\n",
		formatList(rep.Writers, strconv.Itoa), formatList(rep.RecordSizes, func(n int) string { return formatSize(int64(n)) }),
		rep.RunSeconds, rounds)
	fmt.Fprintf(w, "target    %s (%s)\n", rep.Target.Path, rep.Target.kind())
	if rep.TargetDescription != "" {
		fmt.Fprintf(w, "          %s\n", rep.TargetDescription)
	}
	fmt.Fprintf(w, "machine   %s\n", machine)
	fmt.Fprintf(w, "logs      %s\n", logEnginesHelp)
	for _, note := range rep.Notes {
		fmt.Fprintf(w, "note      %s\n", note)
	}
	fmt.Fprintln(w)

	withBaseline := false
	for _, row := range rep.Summary {
		withBaseline = withBaseline || row.VsGroupCommit != nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"log", "writers", "record", "commits/s", "MB/s", "mean µs", "p50 µs", "p99 µs", "p99.9 µs", "CPU µs/commit", "threads"}
	if withBaseline {
		header = append(header, "commits/gc", "p99/gc")
	}
	writeCells(tw, header)
	for _, row := range rep.Summary {
		key := []string{row.Engine, strconv.Itoa(row.QueueDepth), formatSize(int64(row.RecordSize))}
		run := []string{fmt.Sprintf("%.2f", row.CPUPerIO), strconv.Itoa(row.PeakThreads)}
		var vs []string
		switch {
		case !withBaseline:
		case row.VsGroupCommit == nil:
			vs = []string{"-", "-"}
		default:
			vs = []string{fmt.Sprintf("%.2f×", row.VsGroupCommit.IOPS), fmt.Sprintf("%.2f×", row.VsGroupCommit.LatencyP99)}
		}
		writeCells(tw, key, directionCells(row.figures), run, vs)
	}
	if err := tw.Flush(); err != nil || rep.Goals == nil {
		return err
	}
	fmt.Fprintln(w)
	if err := writeRatioTable(w, rep.Summary, logRows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return writeVerdicts(w, rep.Goals)
}

// formatList writes a list of counts or sizes for a report's header.
func formatList(values []int, format func(int) string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = format(v)
	}
	return strings.Join(parts, ", ")
}
