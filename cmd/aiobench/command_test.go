package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCompareSweep runs the whole command as a user would: -compare over two
// queue depths and two rounds, each Go run in a child process, with JSON
// output and a plot. The temporary file must be gone afterwards.
func TestCompareSweep(t *testing.T) {
	// Skip where O_DIRECT is missing; make the children of this test binary
	// act as aiobench.
	directIOFile(t)
	t.Setenv(commandEnv, "1")
	dir := t.TempDir()
	plotPath := filepath.Join(t.TempDir(), "sweep.png")
	var stdout bytes.Buffer
	code := run([]string{"-dir", dir, "-size", "1m", "-compare", "-qd", "2,4", "-rounds", "2",
		"-runtime", "100ms", "-json", "-plot", plotPath}, &stdout, os.Stderr)
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v in %s", err, stdout.String())
	}
	engines := 3 // aio, aio-batch, pread
	if geteventsAvailable {
		engines++
	}
	withFio := false
	if _, err := exec.LookPath("fio"); err == nil {
		withFio = true
		engines += 2 // fio, fio-best
	}
	if len(rep.Runs) != 2*2*engines || len(rep.Summary) != 2*engines {
		t.Errorf("%d runs and %d summary rows, want %d and %d", len(rep.Runs), len(rep.Summary), 4*engines, 2*engines)
	}
	if withFio && !slices.ContainsFunc(rep.Runs, func(r result) bool { return r.Engine == "fio-best" }) {
		t.Error("no run is reported as fio-best")
	}
	for _, row := range rep.Summary {
		if row.Rounds != 2 || row.IOPS <= 0 || row.VsPread == nil {
			t.Errorf("summary row %+v: want 2 rounds, IOPS, and a ratio to pread", row)
		}
		if withFio && (row.VsFio == nil || row.VsFioBest == nil) {
			t.Errorf("summary row for %s at qd %d lacks the ratio to fio", row.Engine, row.QueueDepth)
		}
	}
	if !rep.Target.Temporary || rep.Target.Size != 1<<20 || rep.GOMAXPROCS < 1 || rep.Kernel == "" {
		t.Errorf("report header = %+v", rep)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the temporary file was left behind: %v", entries)
	}
	if info, err := os.Stat(plotPath); err != nil || info.Size() == 0 {
		t.Errorf("plot: %v", err)
	}
}

func TestTextReport(t *testing.T) {
	tgt := directIOFile(t)
	var stdout bytes.Buffer
	saved := filepath.Join(t.TempDir(), "report.json")
	code := run([]string{"-file", tgt.Path, "-engine", "aio-batch", "-qd", "4", "-runtime", "100ms", "-save", saved}, &stdout, os.Stderr)
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	var rep report
	if data, err := os.ReadFile(saved); err != nil {
		t.Error(err)
	} else if err := json.Unmarshal(data, &rep); err != nil || len(rep.Summary) != 1 || rep.Summary[0].LatencyMean <= 0 {
		t.Errorf("saved report: %v, %+v", err, rep.Summary)
	}
	for _, want := range []string{"randread, 4 KiB blocks", tgt.Path, "aio-batch", "mean µs", "p50 µs", "CPU µs/IO", "threads"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "/fio") {
		t.Errorf("ratio columns without fio:\n%s", stdout.String())
	}
}

// TestTextReportLatencyColumns checks that the mean latency is printed next
// to the percentiles, from the summary's median of the rounds' means.
func TestTextReportLatencyColumns(t *testing.T) {
	t.Parallel()
	rep := &report{Pattern: "randread", BlockSize: 4096, RunSeconds: 1, Rounds: 3,
		TargetDescription: "loop over /dev/shm (RAM: no device latency)",
		Summary: []summaryRow{{Engine: "aio", QueueDepth: 32, Rounds: 3, IOPS: 1000, LatencyMean: 123.4,
			LatencyP50: 111, LatencyP99: 456, LatencyP999: 789}}}
	var out bytes.Buffer
	if err := rep.writeText(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	var header, row []string
	for i, line := range lines {
		if strings.Contains(line, "mean µs") && i+1 < len(lines) {
			header = strings.Fields(strings.ReplaceAll(line, " µs", "µs"))
			row = strings.Fields(lines[i+1])
		}
	}
	if header == nil || len(header) != len(row) {
		t.Fatalf("no table with a mean column, or a ragged one:\n%s", out.String())
	}
	want := map[string]string{"meanµs": "123.4", "p50µs": "111", "p99µs": "456", "p99.9µs": "789"}
	for i, name := range header {
		if w, ok := want[name]; ok && row[i] != w {
			t.Errorf("column %s = %s, want %s", name, row[i], w)
		}
	}
	if !strings.Contains(out.String(), "loop over /dev/shm (RAM: no device latency)") {
		t.Errorf("the target's description is missing:\n%s", out.String())
	}
	if strings.Contains(out.String(), "verdict") {
		t.Errorf("verdicts without -goals:\n%s", out.String())
	}
}

func TestBadCommandLine(t *testing.T) {
	t.Parallel()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	if code := run([]string{"-qd", "zero"}, &bytes.Buffer{}, devNull); code != 2 {
		t.Errorf("exit status %d for a bad flag, want 2", code)
	}
	if code := run([]string{"-file", filepath.Join(t.TempDir(), "missing", "x")}, &bytes.Buffer{}, devNull); code != 1 {
		t.Errorf("exit status %d for an impossible target, want 1", code)
	}
}
