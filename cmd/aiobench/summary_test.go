package main

import (
	"math"
	"testing"
)

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestSummarizeTakesMediansAndRoundRatios(t *testing.T) {
	t.Parallel()
	// The machine halves its speed in round 2; ratios within a round stay.
	runs := []result{
		{Engine: "fio", QueueDepth: 32, Round: 1, IOPS: 100, CPUPerIO: 10, LatencyP99: 100, PeakThreads: 3},
		{Engine: "aio", QueueDepth: 32, Round: 1, IOPS: 90, CPUPerIO: 12, LatencyP99: 110, PeakThreads: 7, LatencyMean: 40},
		{Engine: "pread", QueueDepth: 32, Round: 1, IOPS: 30, CPUPerIO: 30, LatencyP99: 900, PeakThreads: 38},
		{Engine: "aio", QueueDepth: 32, Round: 2, IOPS: 45, CPUPerIO: 24, LatencyP99: 220, PeakThreads: 9},
		{Engine: "pread", QueueDepth: 32, Round: 2, IOPS: 15, CPUPerIO: 60, LatencyP99: 1800, PeakThreads: 36},
		{Engine: "fio", QueueDepth: 32, Round: 2, IOPS: 50, CPUPerIO: 20, LatencyP99: 200, PeakThreads: 3},
		{Engine: "aio", QueueDepth: 32, Round: 3, IOPS: 80, CPUPerIO: 13, LatencyP99: 100, PeakThreads: 8},
		{Engine: "pread", QueueDepth: 32, Round: 3, IOPS: 27, CPUPerIO: 33, LatencyP99: 800, PeakThreads: 37},
		{Engine: "fio", QueueDepth: 32, Round: 3, IOPS: 100, CPUPerIO: 10, LatencyP99: 100, PeakThreads: 3},
		{Engine: "aio", QueueDepth: 1, Round: 1, IOPS: 10, CPUPerIO: 50},
	}
	rows := summarize(runs)
	var order []string
	for _, r := range rows {
		order = append(order, r.Engine)
	}
	if len(rows) != 4 || rows[0].Engine != "aio" || rows[1].Engine != "pread" || rows[2].Engine != "fio" || rows[3].QueueDepth != 1 {
		t.Fatalf("rows in order %v; want aio, pread, fio at qd 32, then aio at qd 1", order)
	}
	aio := rows[0]
	if aio.Rounds != 3 || aio.IOPS != 80 || aio.CPUPerIO != 13 || aio.PeakThreads != 9 || aio.LatencyMean != 0 {
		t.Errorf("aio row = %+v; want 3 rounds, median IOPS 80, CPU 13, peak threads 9, mean latency 0", aio)
	}
	// Ratios to fio per round: 0.9, 0.9, 0.8 → 0.9; CPU 1.2, 1.2, 1.3 → 1.2.
	if aio.VsFio == nil || !near(aio.VsFio.IOPS, 0.9) || !near(aio.VsFio.CPUPerIO, 1.2) || !near(aio.VsFio.LatencyP99, 1.1) {
		t.Errorf("aio vs fio = %+v, want IOPS 0.9, CPU 1.2, p99 1.1", aio.VsFio)
	}
	// Ratios to pread: 3, 3, 80/27 → 3; CPU 0.4, 0.4, 13/33 → 0.4.
	if aio.VsPread == nil || !near(aio.VsPread.IOPS, 3) || !near(aio.VsPread.CPUPerIO, 0.4) {
		t.Errorf("aio vs pread = %+v, want IOPS 3, CPU 0.4", aio.VsPread)
	}
	// Per-round spreads: IOPS 0.8 to 0.9, CPU 1.2 to 1.3.
	if aio.VsFio.IOPSRange != (spread{0.8, 0.9}) || !near(aio.VsFio.CPUPerIORange.Min, 1.2) || !near(aio.VsFio.CPUPerIORange.Max, 1.3) {
		t.Errorf("aio vs fio spread: IOPS %+v, CPU %+v; want 0.8–0.9 and 1.2–1.3", aio.VsFio.IOPSRange, aio.VsFio.CPUPerIORange)
	}
	if rows[3].VsFio != nil || rows[3].VsPread != nil {
		t.Errorf("aio at qd 1 has nothing to compare with, got %+v %+v", rows[3].VsFio, rows[3].VsPread)
	}
}

func TestSummarizeSplitsDirectionsAndKeepsRanges(t *testing.T) {
	t.Parallel()
	run := func(round int, iops, p99, readIOPS, writeIOPS float64) result {
		return result{Engine: "aio", QueueDepth: 8, Round: round, IOPS: iops, LatencyP99: p99,
			Read:  &directionResult{figures: figures{IOPS: readIOPS, LatencyP99: p99 - 10}},
			Write: &directionResult{figures: figures{IOPS: writeIOPS, LatencyP99: p99 + 10}}}
	}
	rows := summarize([]result{run(1, 100, 50, 70, 30), run(2, 90, 80, 60, 30), run(3, 120, 60, 80, 40)})
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	row := rows[0]
	if row.Read == nil || row.Write == nil {
		t.Fatalf("row %+v lacks a direction", row)
	}
	if row.Read.IOPS != 70 || row.Write.IOPS != 30 || row.Read.LatencyP99 != 50 || row.Write.LatencyP99 != 70 {
		t.Errorf("directions: read %+v, write %+v; want medians IOPS 70 and 30, p99 50 and 70", *row.Read, *row.Write)
	}
	if row.IOPSRange != (spread{90, 120}) || row.LatencyP99Range != (spread{50, 80}) {
		t.Errorf("ranges: IOPS %+v, p99 %+v; want 90–120 and 50–80", row.IOPSRange, row.LatencyP99Range)
	}
	single := summarize([]result{{Engine: "aio", QueueDepth: 8, Round: 1, IOPS: 100}})
	if single[0].Read != nil || single[0].Write != nil {
		t.Errorf("a single-direction run got directions: %+v", single[0])
	}
}

func TestSpreadOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []float64
		want spread
	}{
		{nil, spread{}},
		{[]float64{1.5}, spread{1.5, 1.5}},
		{[]float64{1.1, 0.7, 0.95}, spread{0.7, 1.1}},
	} {
		if got := spreadOf(tc.in); got != tc.want {
			t.Errorf("spreadOf(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestPlanAlternatesEngines(t *testing.T) {
	t.Parallel()
	plan := makePlan([]string{"aio", "pread", "fio"}, []int{32, 128}, 2)
	if len(plan) != 12 {
		t.Fatalf("%d runs, want 2 depths × 2 rounds × 3 engines", len(plan))
	}
	want := []plannedRun{
		{"aio", 32, 1, 0}, {"pread", 32, 1, 0}, {"fio", 32, 1, 0},
		{"pread", 32, 2, 0}, {"fio", 32, 2, 0}, {"aio", 32, 2, 0},
		{"aio", 128, 1, 0}, {"pread", 128, 1, 0}, {"fio", 128, 1, 0},
	}
	for i, w := range want {
		if plan[i] != w {
			t.Errorf("run %d = %+v, want %+v", i, plan[i], w)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
