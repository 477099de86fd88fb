package main

import (
	"strings"
	"testing"
)

// comparisonRows are summary rows of the default comparison at qd 1 and 32.
func comparisonRows() []summaryRow {
	return []summaryRow{
		{Engine: "aio", QueueDepth: 1, PeakThreads: 5, VsPread: &ratios{IOPS: 1.1}, VsFio: &ratios{IOPS: 0.9}},
		{Engine: "pread", QueueDepth: 1, PeakThreads: 6},
		{Engine: "aio", QueueDepth: 32, PeakThreads: 9, VsPread: &ratios{IOPS: 2.104}, VsFio: &ratios{IOPS: 0.953}},
		{Engine: "aio-batch", QueueDepth: 32, PeakThreads: 5, VsPread: &ratios{IOPS: 2.31}, VsFio: &ratios{IOPS: 1.045}},
		{Engine: "pread", QueueDepth: 32, PeakThreads: 36, VsPread: &ratios{IOPS: 1}, VsFio: &ratios{IOPS: 0.45}},
		{Engine: "fio", QueueDepth: 32, PeakThreads: 3, VsPread: &ratios{IOPS: 2.2}, VsFio: &ratios{IOPS: 1}},
	}
}

func TestConclusionComesFromTheNumbers(t *testing.T) {
	t.Parallel()
	want := "At qd 32 the goroutine API (aio) gave 2.10× the IOPS of the os.File pool (pread) with 9 OS threads against 36, " +
		"and 0.95× the IOPS of fio; the batch API (aio-batch) gave 2.31× the IOPS of the os.File pool (pread) with 5 OS threads " +
		"against 36, and 1.04× the IOPS of fio."
	if got := conclusion(comparisonRows()); got != want {
		t.Errorf("conclusion =\n%s\nwant\n%s", got, want)
	}
	rows := comparisonRows()
	rows[2].VsPread.IOPS, rows[2].PeakThreads, rows[4].PeakThreads = 0.5, 1, 2
	if got := conclusion(rows); !strings.HasPrefix(got, "At qd 32 the goroutine API (aio) gave 0.50× the IOPS of the os.File pool (pread) with 1 OS thread against 2,") {
		t.Errorf("conclusion with other numbers = %q; want them in it", got)
	}
}

// TestConclusionWithoutABaseline leaves out fio, then the os.File pool:
// the sentence speaks of what ran, and of nothing if nothing compares.
func TestConclusionWithoutABaseline(t *testing.T) {
	t.Parallel()
	var withoutFio []summaryRow
	for _, row := range comparisonRows() {
		if row.Engine != "fio" {
			row.VsFio = nil
			withoutFio = append(withoutFio, row)
		}
	}
	got := conclusion(withoutFio)
	if strings.Contains(got, "fio") || !strings.Contains(got, "2.31× the IOPS of the os.File pool (pread)") {
		t.Errorf("without fio: %q; want the os.File pool and no fio", got)
	}
	var withoutPool []summaryRow
	for _, row := range comparisonRows() {
		if row.Engine != "pread" {
			row.VsPread = nil
			withoutPool = append(withoutPool, row)
		}
	}
	got = conclusion(withoutPool)
	if want := "At qd 32 the goroutine API (aio) gave 0.95× the IOPS of fio; the batch API (aio-batch) gave 1.04× the IOPS of fio."; got != want {
		t.Errorf("without pread: %q, want %q", got, want)
	}
	if got := conclusion([]summaryRow{{Engine: "aio", QueueDepth: 32}, {Engine: "pread", QueueDepth: 32}}); got != "" {
		t.Errorf("rows without ratios gave %q, want no sentence", got)
	}
}

func TestWrapText(t *testing.T) {
	t.Parallel()
	got := wrapText("At qd 32 the goroutine API gave 2.10× the IOPS", 12)
	want := "At qd 32 the\ngoroutine\nAPI gave\n2.10× the\nIOPS"
	if got != want {
		t.Errorf("wrapText = %q, want %q", got, want)
	}
	if got := wrapText("averyveryverylongword x", 5); got != "averyveryverylongword\nx" {
		t.Errorf("a long word: %q", got)
	}
}
