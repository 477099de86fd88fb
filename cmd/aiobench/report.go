package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"
)

// A report is everything that one aiobench invocation measured, with what
// is needed to judge it later: when, on which kernel, with what settings.
type report struct {
	Date       string `json:"date"`
	Kernel     string `json:"kernel"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	FioVersion string `json:"fio_version,omitempty"`
	Target     target `json:"target"`
	// TargetDescription says what the target is in words, such as "loop
	// over /dev/shm (RAM: no device latency)"; it is given with -describe.
	TargetDescription string `json:"target_description,omitempty"`
	Pattern           string `json:"rw"`
	ReadPercent       int    `json:"read_percent"`
	BlockSize         int    `json:"block_size"`
	Sync              string `json:"sync"` // "dsync": every write durable
	// Log is set for a -log report, whose runs are commits to logs: there
	// queue_depth is the number of writers and record_size the bytes of
	// each record, and Pattern, BlockSize and Sync do not apply.
	Log         bool         `json:"log,omitempty"`
	Writers     []int        `json:"writers,omitempty"`      // with -log
	RecordSizes []int        `json:"record_sizes,omitempty"` // with -log
	RunSeconds  float64      `json:"runtime_s"`
	Rounds      int          `json:"rounds"`
	Notes       []string     `json:"notes,omitempty"`
	Runs        []result     `json:"runs"`
	Summary     []summaryRow `json:"summary"`
	Goals       []verdict    `json:"goals,omitempty"` // with -goals
	// Explain asks the text report for a line on each engine and column
	// and a closing sentence on the ratios (-explain); JSON has neither.
	Explain bool `json:"-"`
}

// newReport describes the machine and settings; the runs come later.
func newReport(cfg *config, t target, readPercent int) *report {
	return &report{
		Date:        time.Now().Format(time.RFC3339),
		Kernel:      kernelRelease(),
		CPUs:        runtime.NumCPU(),
		GOMAXPROCS:  runtime.GOMAXPROCS(0),
		GoVersion:   runtime.Version(),
		Target:      t,
		Pattern:     cfg.pattern,
		ReadPercent: readPercent,
		BlockSize:   cfg.blockSize,
		Sync:        cfg.sync,
		RunSeconds:  cfg.runtime.Seconds(),
		Rounds:      cfg.rounds,
	}
}

// kind returns the kind of rows that the report has, which sets its goals
// and its ratio table.
func (rep *report) kind() rowKind {
	if rep.Log {
		return logRows
	}
	return kindOf(rep.BlockSize, rep.Sync)
}

// kernelRelease returns the running kernel's release, as uname -r prints it.
func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

func (rep *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// save writes the report as JSON into the file at path.
func (rep *report) save(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(rep.writeJSON(f), f.Close())
}

// writeText prints the settings and one line per engine and queue depth.
// The ratio columns appear when fio or pread ran alongside; with -explain a
// line on each engine and column and a closing sentence follow, and with
// -goals the ratio table and the verdicts.
func (rep *report) writeText(w io.Writer) error {
	if rep.Log {
		return rep.writeLogText(w)
	}
	rounds := "1 round"
	if rep.Rounds > 1 {
		rounds = fmt.Sprintf("%d rounds, medians", rep.Rounds)
	}
	pattern := rep.Pattern
	if pattern == "randrw" {
		pattern = fmt.Sprintf("randrw (%d%% reads)", rep.ReadPercent)
	}
	if rep.Sync == syncDSync {
		pattern += ", durable writes (-sync dsync)"
	}
	machine := fmt.Sprintf("Linux %s, %d CPUs, GOMAXPROCS %d, %s", rep.Kernel, rep.CPUs, rep.GOMAXPROCS, rep.GoVersion)
	if rep.FioVersion != "" {
		machine += ", " + rep.FioVersion
	}
	fmt.Fprintf(w, "date      %s\n", rep.Date)
	fmt.Fprintf(w, "workload  %s, %s blocks, %gs per run, %s\n", pattern, formatSize(int64(rep.BlockSize)), rep.RunSeconds, rounds)
	fmt.Fprintf(w, "target    %s (%s, %s)\n", rep.Target.Path, formatSize(rep.Target.Size), rep.Target.kind())
	if rep.TargetDescription != "" {
		fmt.Fprintf(w, "          %s\n", rep.TargetDescription)
	}
	fmt.Fprintf(w, "machine   %s\n", machine)
	for _, note := range rep.Notes {
		fmt.Fprintf(w, "note      %s\n", note)
	}
	fmt.Fprintln(w)

	var withFio, withPread, mixed bool
	for _, row := range rep.Summary {
		withFio = withFio || row.VsFio != nil
		withPread = withPread || row.VsPread != nil
		mixed = mixed || row.Read != nil || row.Write != nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"engine", "qd"}
	if mixed {
		header = append(header, "rw")
	}
	header = append(header, "IOPS", "MB/s", "mean µs", "p50 µs", "p99 µs", "p99.9 µs", "CPU µs/IO", "threads")
	if withFio {
		header = append(header, "IOPS/fio", "CPU/fio")
	}
	if withPread {
		header = append(header, "IOPS/pread", "CPU/pread")
	}
	writeCells(tw, header)
	for _, row := range rep.Summary {
		key := []string{row.Engine, fmt.Sprint(row.QueueDepth)}
		if mixed {
			// Each direction on a line of its own, then both together
			// with the figures that belong to the whole run.
			if row.Read != nil {
				writeCells(tw, key, []string{"read"}, directionCells(*row.Read))
			}
			if row.Write != nil {
				writeCells(tw, key, []string{"write"}, directionCells(*row.Write))
			}
			key = append(key, "mixed")
		}
		run := []string{fmt.Sprintf("%.2f", row.CPUPerIO), fmt.Sprint(row.PeakThreads)}
		var vsFio, vsPread []string
		if withFio {
			vsFio = ratioCells(row.VsFio)
		}
		if withPread {
			vsPread = ratioCells(row.VsPread)
		}
		writeCells(tw, key, directionCells(row.figures), run, vsFio, vsPread)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.Explain {
		fmt.Fprintln(w)
		if err := rep.writeExplanation(w); err != nil {
			return err
		}
	}
	if rep.Goals == nil {
		return nil
	}
	fmt.Fprintln(w)
	if err := writeRatioTable(w, rep.Summary, rep.kind()); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return writeVerdicts(w, rep.Goals)
}

// writeCells writes one line of a table from groups of cells, in order.
func writeCells(w io.Writer, groups ...[]string) {
	fmt.Fprintln(w, strings.Join(slices.Concat(groups...), "\t")+"\t")
}

// directionCells formats the rates and latencies of a row or of one of its
// directions.
func directionCells(d figures) []string {
	return []string{
		fmt.Sprintf("%.0f", d.IOPS),
		fmt.Sprintf("%.1f", d.MBPerSecond),
		fmt.Sprintf("%.1f", d.LatencyMean),
		fmt.Sprintf("%.0f", d.LatencyP50),
		fmt.Sprintf("%.0f", d.LatencyP99),
		fmt.Sprintf("%.0f", d.LatencyP999),
	}
}

// ratioCells formats the IOPS and CPU ratios, or dashes when there are none.
func ratioCells(r *ratios) []string {
	if r == nil {
		return []string{"-", "-"}
	}
	return []string{fmt.Sprintf("%.2f×", r.IOPS), fmt.Sprintf("%.2f×", r.CPUPerIO)}
}
