package main

import (
	"math"
	"os/exec"
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

func TestSweepOfReport(t *testing.T) {
	t.Parallel()
	s := sweepOf(sweepReport(3))
	if len(s.Lines) != 2 || s.Lines[0].Name != "aio" || s.Lines[1].Name != "fio" {
		t.Fatalf("lines %+v; want aio, then fio", s.Lines)
	}
	if want := slices.Index(reportOrder, "fio"); s.Lines[1].Style != want || s.Lines[0].Style != 0 {
		t.Errorf("styles %d and %d; want each engine's place in reportOrder, 0 and %d", s.Lines[0].Style, s.Lines[1].Style, want)
	}
	if !s.Whiskers || s.RateTitle != "IOPS" || !strings.Contains(s.Heading, "/dev/shm/sweep.img") {
		t.Errorf("sweep %+v; want whiskers for 3 rounds, an IOPS chart and the heading", s)
	}
	p := s.Lines[1].Points[2]
	if p.QueueDepth != 128 || p.Rate.Median != 300_000 || !near(p.Rate.Min, 270_000) || p.P99.Median != 6000 || p.P99.Max != 9000 {
		t.Errorf("fio at qd 128 = %+v; want 300000 IOPS from 270000, p99 6000 up to 9000", p)
	}
	if sweepOf(sweepReport(1)).Whiskers {
		t.Error("whiskers for one round, which has no spread")
	}
	large := sweepReport(2)
	large.BlockSize = 1 << 20
	if s := sweepOf(large); s.RateUnit != "MB/s" || !near(s.Lines[0].Points[0].Rate.Median, 100_000*1.048576) {
		t.Errorf("1 MiB blocks: unit %s, first point %+v; want MB/s, scaled by the block size", s.RateUnit, s.Lines[0].Points[0])
	}
}

func TestPlotHeadingNamesTargetDateAndRounds(t *testing.T) {
	t.Parallel()
	heading := plotHeading(sweepReport(3))
	for _, want := range []string{"/dev/shm/sweep.img", "RAM: a file on tmpfs", "randread, 4 KiB blocks", "2026-11-30 14:02", "3 rounds"} {
		if !strings.Contains(heading, want) {
			t.Errorf("the heading %q does not say %q", heading, want)
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

func TestPlotNotBuiltRepeatsTheCommandLine(t *testing.T) {
	t.Parallel()
	err := plotNotBuilt("my sweep.png", []string{"-qd", "1,32", "-plot", "my sweep.png", "-describe", "it's RAM"})
	want := `: go run -tags plot . -qd 1,32 -plot 'my sweep.png' -describe 'it'\''s RAM' (in cmd/aiobench)`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("plotNotBuilt = %v; want one line saying %s", err, want)
	}
	if err := plotNotBuilt("sweep.svg", nil); err == nil || !strings.Contains(err.Error(), ": go run -tags plot . -plot sweep.svg (") {
		t.Errorf("plotNotBuilt without a command line = %v; want it to say go run -tags plot . -plot sweep.svg", err)
	}
}

// TestPlotTagBuilds vets aiobench as the plot build tag builds it, which
// neither go test nor go vet without the tag looks at. It needs the go
// command, and gonum.org/v1/plot in the module cache or to download.
func TestPlotTagBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("vetting the plot build takes seconds")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(gocmd, "vet", "-tags", "plot", ".").CombinedOutput()
	if err != nil {
		t.Errorf("go vet -tags plot .: %v\n%s", err, out)
	}
}
