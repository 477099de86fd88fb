package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sweepReport is a report of two engines over three queue depths, whose
// p99 latency grows from tens of microseconds to milliseconds.
func sweepReport(rounds int) *report {
	rep := &report{Date: "2026-11-30T14:02:00Z", Pattern: "randread", BlockSize: 4096, Rounds: rounds,
		Target: target{Path: "/dev/shm/sweep.img", Size: 1 << 30, RAM: "a file on tmpfs"}}
	for i, engine := range []string{"aio", "fio"} {
		for j, qd := range []int{1, 32, 128} {
			iops := float64(100_000 * (j + 1))
			p99 := []float64{20, 400, 3000}[j] * float64(i+1)
			rep.Summary = append(rep.Summary, summaryRow{Engine: engine, QueueDepth: qd, Rounds: rounds,
				figures: figures{IOPS: iops, LatencyP99: p99}, IOPSRange: spread{iops * 0.9, iops * 1.1},
				LatencyP99Range: spread{p99 * 0.8, p99 * 1.5}})
		}
	}
	return rep
}

// writeSVG draws rep as SVG and returns the file's text.
func writeSVG(t *testing.T, rep *report) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sweep.svg")
	if err := writePlot(path, rep); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestPlotIsPNGOrSVGByExtension(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, magic := range map[string]string{"sweep.png": "\x89PNG", "sweep.PNG": "\x89PNG", "sweep.svg": "<?xml"} {
		path := filepath.Join(dir, name)
		if err := writePlot(path, sweepReport(3)); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte(magic)) {
			t.Errorf("%s begins with %q, want %q", name, data[:min(len(data), 8)], magic)
		}
	}
	if err := writePlot(filepath.Join(dir, "sweep.pdf"), sweepReport(3)); err == nil || !strings.Contains(err.Error(), ".svg") {
		t.Errorf("a .pdf plot gave %v, want an error naming the formats", err)
	}
}

func TestPlotHeadingNamesTargetDateAndRounds(t *testing.T) {
	t.Parallel()
	svg := writeSVG(t, sweepReport(3))
	for _, want := range []string{"/dev/shm/sweep.img", "RAM: a file on tmpfs", "randread, 4 KiB blocks", "2026-11-30 14:02", "3 rounds"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the plot does not say %q", want)
		}
	}
}

// TestPlotLatencyAxisIsLogarithmic checks the labels of the latency axis,
// from 20 µs to 6 ms: powers of ten, where a linear axis would have had
// 2000, 4000 and so on.
func TestPlotLatencyAxisIsLogarithmic(t *testing.T) {
	t.Parallel()
	svg := writeSVG(t, sweepReport(1))
	for _, want := range []string{">100</text>", ">1000</text>", ">10000</text>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the latency axis lacks the label %s", want)
		}
	}
	for _, linear := range []string{">2000</text>", ">4000</text>"} {
		if strings.Contains(svg, linear) {
			t.Errorf("the latency axis has the label %s of a linear scale", linear)
		}
	}
}

// TestPlotWhiskersWithRounds counts the strokes of the drawing: one
// whisker per point and chart, each with two caps, comes with rounds > 1.
func TestPlotWhiskersWithRounds(t *testing.T) {
	t.Parallel()
	one := strings.Count(writeSVG(t, sweepReport(1)), "<path")
	three := strings.Count(writeSVG(t, sweepReport(3)), "<path")
	points := 2 * 3 * 2 // engines × depths × charts
	if three-one < points {
		t.Errorf("%d strokes with 3 rounds, %d with 1; want at least %d more for the whiskers", three, one, points)
	}
}

func TestMedianPointsWhiskers(t *testing.T) {
	t.Parallel()
	points := medianPoints{{queueDepth: 8, median: 100, spread: spread{90, 130}}}
	if x, y := points.XY(0); x != 8 || y != 100 {
		t.Errorf("XY = %v, %v; want 8, 100", x, y)
	}
	if low, high := points.YError(0); low != 10 || high != 30 {
		t.Errorf("YError = %v, %v; want 10 down to the smallest round, 30 up to the largest", low, high)
	}
}

func TestLogTicksLabels(t *testing.T) {
	t.Parallel()
	labels := func(low, high float64) []string {
		var l []string
		for _, tick := range (logTicks{}).Ticks(low, high) {
			if tick.Label != "" && low <= tick.Value && tick.Value <= high {
				l = append(l, tick.Label)
			}
		}
		return l
	}
	if got, want := labels(60, 400), []string{"100", "200"}; !slices.Equal(got, want) {
		t.Errorf("labels from 60 to 400 = %q, want %q: a narrow range gets its 2s and 5s", got, want)
	}
	if got, want := labels(3, 2_000_000), []string{"10", "100", "1000", "10000", "100000", "1000000"}; !slices.Equal(got, want) {
		t.Errorf("labels from 3 to 2000000 = %q, want %q: powers of ten, in plain numbers", got, want)
	}
}

func TestRoundDownLog(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    float64
		wide bool
		want float64
	}{
		{1.44, true, 1}, {60, true, 10}, {1000, true, 1000}, {0.3, true, 0.1},
		{60, false, 50}, {48, false, 20}, {19.9, false, 10}, {1000, false, 1000}, {0.3, false, 0.2},
	} {
		if got := roundDownLog(tc.v, tc.wide); !near(got, tc.want) {
			t.Errorf("roundDownLog(%v, %v) = %v, want %v", tc.v, tc.wide, got, tc.want)
		}
	}
}

func TestRateChartOfLargeBlocksIsMBPerSecond(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		bs          int
		sync        string
		title, unit string
		scale       float64
	}{
		{4096, syncNone, "IOPS", "IOPS", 1},
		{1 << 20, syncDSync, "IOPS", "IOPS", 1},
		{1 << 20, syncNone, "throughput", "MB/s", 1.048576},
	} {
		title, unit, scale := rateChart(&report{BlockSize: tc.bs, Sync: tc.sync})
		if title != tc.title || unit != tc.unit || math.Abs(scale-tc.scale) > 1e-9 {
			t.Errorf("bs %d, sync %s: %q in %s × %v; want %q in %s × %v", tc.bs, tc.sync, title, unit, scale, tc.title, tc.unit, tc.scale)
		}
	}
}
