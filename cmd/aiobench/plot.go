package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/linuxaio/aio/cmd/aiobench/internal/sweep"
)

// plotFormat returns the image format that -plot writes for the file at
// path, after its extension: "png" or "svg", or "" for any other.
func plotFormat(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return "png"
	case ".svg":
		return "svg"
	}
	return ""
}

// writePlot draws rep into the file at path, as PNG or SVG after its
// extension, with the plotting code that the plot build tag brings in
// (plot_built.go); without it, it fails as validate does.
func writePlot(path string, rep *report) error {
	format := plotFormat(path)
	if format == "" {
		return fmt.Errorf("-plot %q: name a .png or a .svg file", path)
	}
	s := sweepOf(rep)
	if len(s.Lines) == 0 {
		return errors.New("-plot: nothing to plot")
	}
	return drawPlot(path, format, s)
}

// sweepOf returns what the plot of rep shows: IOPS (MB/s for blocks of
// 1 MiB or more) and p99 latency against queue depth, one line per engine
// in report order, under a heading that gives the workload, the target,
// the date and the rounds. With more than one round, each point, a median,
// has a whisker from the smallest to the largest round.
func sweepOf(rep *report) sweep.Sweep {
	title, unit, scale := rateChart(rep)
	s := sweep.Sweep{Heading: plotHeading(rep), RateTitle: title, RateUnit: unit, Whiskers: rep.Rounds > 1}
	for i, engine := range reportOrder {
		line := sweep.Line{Name: engine, Style: i}
		for _, row := range rep.Summary {
			if row.Engine != engine {
				continue
			}
			line.Points = append(line.Points, sweep.Point{
				QueueDepth: float64(row.QueueDepth),
				Rate:       sweep.Value{Median: row.IOPS * scale, Min: row.IOPSRange.Min * scale, Max: row.IOPSRange.Max * scale},
				P99:        sweep.Value{Median: row.LatencyP99, Min: row.LatencyP99Range.Min, Max: row.LatencyP99Range.Max},
			})
		}
		if len(line.Points) > 0 {
			s.Lines = append(s.Lines, line)
		}
	}
	return s
}

// rateChart returns the title and unit of the first chart of rep's plot,
// and what its IOPS are multiplied by for it. Large blocks are judged by
// throughput, so their chart shows MB/s, to which the medians and spreads
// of IOPS scale by the block size.
func rateChart(rep *report) (title, unit string, scale float64) {
	if rep.kind() == largeBlockRows {
		return "throughput", "MB/s", float64(rep.BlockSize) / 1e6
	}
	return "IOPS", "IOPS", 1
}

// plotHeading says what the charts show, on two lines: the workload and
// the target, then the date and how the points sum up the rounds.
func plotHeading(rep *report) string {
	pattern := rep.Pattern
	if pattern == "randrw" {
		pattern = fmt.Sprintf("randrw (%d%% reads, both together)", rep.ReadPercent)
	}
	if rep.Sync == syncDSync {
		pattern += ", durable writes (-sync dsync)"
	}
	date := rep.Date
	if t, err := time.Parse(time.RFC3339, rep.Date); err == nil {
		date = t.Format("2006-01-02 15:04 MST")
	}
	rounds := "1 round"
	if rep.Rounds > 1 {
		rounds = fmt.Sprintf("%d rounds: medians, whiskers from the smallest to the largest", rep.Rounds)
	}
	return fmt.Sprintf("%s, %s blocks, on %s (%s)\n%s, %s", pattern, formatSize(int64(rep.BlockSize)),
		rep.Target.Path, rep.Target.kind(), date, rounds)
}
