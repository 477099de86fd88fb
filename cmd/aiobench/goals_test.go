package main

import (
	"bytes"
	"strings"
	"testing"
)

// goalRows returns a summary in which every goal passes at 1× and 2 threads.
func goalRows() []summaryRow {
	even := &ratios{IOPS: 1, CPUPerIO: 1, IOPSRange: spread{0.9, 1.1}, CPUPerIORange: spread{0.8, 1.2}}
	var rows []summaryRow
	for _, qd := range []int{1, 32, 128} {
		for _, engine := range []string{"aio", "aio-batch"} {
			rows = append(rows, summaryRow{Engine: engine, QueueDepth: qd, PeakThreads: 2,
				VsFio: even, VsFioBest: even, VsPread: even, VsGetevents: even})
		}
	}
	return rows
}

func TestJudgeGoals(t *testing.T) {
	t.Parallel()
	rows := goalRows()
	verdicts := judgeGoals(rows, 4)
	if len(verdicts) != len(packageGoals) || missed(verdicts) != 0 {
		t.Fatalf("all at 1×: %d verdicts, %d missed; want %d, none", len(verdicts), missed(verdicts), len(packageGoals))
	}
	// aio-batch at QD32 at 0.95× fio's IOPS, aio at QD128 with 13 threads.
	rows[3].VsFio = &ratios{IOPS: 0.95, CPUPerIO: 1}
	rows[4].PeakThreads = 13
	verdicts = judgeGoals(rows, 4)
	var misses []string
	for _, v := range verdicts {
		if v.Status == "MISS" {
			misses = append(misses, v.Goal)
		}
	}
	want := []string{"aio-batch QD32 IOPS ≥ 1.0× fio", "aio QD128 peak OS threads ≤ GOMAXPROCS+8"}
	if strings.Join(misses, "; ") != strings.Join(want, "; ") {
		t.Errorf("missed %q, want %q", misses, want)
	}
	// Without QD1 runs, the QD1 goals are not judged.
	verdicts = judgeGoals(rows[2:], 4)
	for _, v := range verdicts {
		if strings.Contains(v.Goal, "QD1 ") && v.Status != "n/a" {
			t.Errorf("%s: %s without a QD1 run", v.Goal, v.Status)
		}
	}
}

func TestRatioTableShowsSpread(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := writeRatioTable(&out, goalRows()); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"QD1", "QD32", "QD128", "aio-batch/getevents CPU/IO", "aio/fio-best IOPS",
		"1.00× (0.90–1.10)", "1.00× (0.80–1.20)"} {
		if !strings.Contains(text, want) {
			t.Errorf("ratio table lacks %q:\n%s", want, text)
		}
	}
	// aio/fio-best CPU is not a line of the table.
	if strings.Contains(text, "aio/fio-best CPU") {
		t.Errorf("unexpected line in\n%s", text)
	}
}
