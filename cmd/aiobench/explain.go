package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// A legendLine explains one engine or column of a text report.
type legendLine struct {
	term, text string
}

// writeExplanation prints, under the table of a text report, a line on
// each engine that ran and on the columns, then the closing sentence that
// conclusion makes of the measured ratios.
func (rep *report) writeExplanation(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, line := range rep.legend() {
		fmt.Fprintf(tw, "%s\t%s\n", line.term, line.text)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if sentence := conclusion(rep.Summary); sentence != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, wrapText(sentence, conclusionWidth))
	}
	return nil
}

// legend returns a line on each engine of the report's table, in its
// order, then on the queue depth and on the columns.
func (rep *report) legend() []legendLine {
	var engines []string
	var depths []int
	ratioColumns := map[string]bool{}
	for _, row := range rep.Summary {
		if !slices.Contains(engines, row.Engine) {
			engines = append(engines, row.Engine)
		}
		if !slices.Contains(depths, row.QueueDepth) {
			depths = append(depths, row.QueueDepth)
		}
		ratioColumns["fio"] = ratioColumns["fio"] || row.VsFio != nil
		ratioColumns["pread"] = ratioColumns["pread"] || row.VsPread != nil
	}
	words := ioWords(rep.ReadPercent)
	// With one depth, the engines' goroutines and requests are counted;
	// with several, they are as many as the row's qd.
	n := "qd"
	if len(depths) == 1 {
		n = strconv.Itoa(depths[0])
	}
	fio := "fio"
	if rep.FioVersion != "" {
		fio = rep.FioVersion
	}
	descriptions := map[string]string{
		"aio": fmt.Sprintf("the aio package's goroutine API: %s goroutines calling aio.File.%s; "+
			"a waiting goroutine holds no OS thread", n, words.call),
		"aio-batch": fmt.Sprintf("the aio package's batch API: one goroutine keeps %s aio.Requests in flight "+
			"with Context.Submit and Wait", n),
		"getevents": "kernel AIO without the aio package: one goroutine, io_submit of every free iocb, " +
			"then a blocking io_getevents",
		"pread": fmt.Sprintf("plain Go's os.File pool: %s goroutines calling os.File.%s (O_DIRECT); "+
			"each %s holds an OS thread until it returns", n, words.call, words.syscall),
		fdatasyncEngine: fmt.Sprintf("%s goroutines, each calling os.File.WriteAt, then fdatasync: "+
			"a durable write as Go programs do it today", n),
		"fio":      fmt.Sprintf("%s --ioengine=libaio: the same I/O from C, one I/O per io_submit (fio's default)", fio),
		"fio-best": "fio's libaio engine batching: the whole depth per io_submit, up to it per io_getevents",
	}
	var lines []legendLine
	for _, engine := range engines {
		if text, ok := descriptions[engine]; ok {
			lines = append(lines, legendLine{engine, text})
		}
	}
	order := "at a random offset"
	if !strings.HasPrefix(rep.Pattern, "rand") {
		order = "in order"
	}
	lines = append(lines,
		legendLine{"qd", fmt.Sprintf("queue depth: I/Os in flight at once, each a %s %s %s of the %s %s",
			formatSize(int64(rep.BlockSize)), words.noun, order, formatSize(rep.Target.Size), rep.Target.noun())},
		legendLine{"µs", "latency from submission to completion: mean, median (p50), 99th and 99.9th percentile"},
		legendLine{"CPU µs/IO", "user and system CPU time of the engine's process per I/O; threads: the most OS threads it had"})
	var baselines []string
	for _, b := range []string{"fio", "pread"} {
		if ratioColumns[b] {
			baselines = append(baselines, b)
		}
	}
	if len(baselines) > 0 {
		lines = append(lines, legendLine{"X/" + baselines[0],
			fmt.Sprintf("the row's IOPS or CPU per I/O divided by %s's at the same depth, in the same round",
				strings.Join(baselines, "'s or "))})
	}
	return lines
}

// ioDescription names what the engines do for a share of reads: the call
// of the Go engines, the system call behind os.File's, and the I/O.
type ioDescription struct {
	call, syscall, noun string
}

// ioWords describes the I/O of a workload with readPercent reads.
func ioWords(readPercent int) ioDescription {
	switch readPercent {
	case 100:
		return ioDescription{"ReadAt", "pread", "read"}
	case 0:
		return ioDescription{"WriteAt", "pwrite", "write"}
	}
	return ioDescription{"ReadAt or WriteAt", "pread or pwrite", "read or write"}
}
