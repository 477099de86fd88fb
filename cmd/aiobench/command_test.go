package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCompareSweep runs the whole command as a user would: -compare over two
// queue depths and two rounds, each Go run in a child process, with JSON
// output and, built with the plot tag, a plot. The temporary file must be
// gone afterwards.
func TestCompareSweep(t *testing.T) {
	// Skip where O_DIRECT is missing; make the children of this test binary
	// act as aiobench.
	directIOFile(t)
	t.Setenv(commandEnv, "1")
	dir := t.TempDir()
	plotPath := filepath.Join(t.TempDir(), "sweep.png")
	var stdout bytes.Buffer
	args := []string{"-dir", dir, "-size", "1m", "-compare", "-qd", "2,4", "-rounds", "2", "-runtime", "100ms", "-json"}
	if plotBuilt {
		args = append(args, "-plot", plotPath)
	}
	code := run(args, &stdout, os.Stderr)
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
	if info, err := os.Stat(plotPath); plotBuilt && (err != nil || info.Size() == 0) {
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
		Summary: []summaryRow{{Engine: "aio", QueueDepth: 32, Rounds: 3, figures: figures{IOPS: 1000, LatencyMean: 123.4,
			LatencyP50: 111, LatencyP99: 456, LatencyP999: 789}}}}
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

// TestMixedTextReport checks that -rw randrw gets a read, a write and a
// mixed line per engine and depth, with each direction's own figures, and
// that the run's CPU and threads stay on the mixed line.
func TestMixedTextReport(t *testing.T) {
	t.Parallel()
	rep := &report{Pattern: "randrw", ReadPercent: 70, BlockSize: 4096, RunSeconds: 1, Rounds: 1,
		Summary: []summaryRow{{Engine: "aio", QueueDepth: 8, Rounds: 1, figures: figures{IOPS: 1000, MBPerSecond: 4.1,
			LatencyMean: 80, LatencyP50: 75, LatencyP99: 200, LatencyP999: 300}, CPUPerIO: 9.5, PeakThreads: 6,
			Read:  &figures{IOPS: 700, MBPerSecond: 2.9, LatencyMean: 70, LatencyP50: 65, LatencyP99: 150, LatencyP999: 250},
			Write: &figures{IOPS: 300, MBPerSecond: 1.2, LatencyMean: 105, LatencyP50: 99, LatencyP99: 400, LatencyP999: 500},
		}}}
	var out bytes.Buffer
	if err := rep.writeText(&out); err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"engine", "qd", "rw", "IOPS", "MB/s", "mean", "µs", "p50", "µs", "p99", "µs", "p99.9", "µs", "CPU", "µs/IO", "threads"},
		{"aio", "8", "read", "700", "2.9", "70.0", "65", "150", "250"},
		{"aio", "8", "write", "300", "1.2", "105.0", "99", "400", "500"},
		{"aio", "8", "mixed", "1000", "4.1", "80.0", "75", "200", "300", "9.50", "6"},
	}
	lines := strings.Split(out.String(), "\n")
	start := slices.IndexFunc(lines, func(line string) bool { return strings.Contains(line, "engine") })
	if start < 0 || len(lines) < start+len(want) {
		t.Fatalf("no table:\n%s", out.String())
	}
	for i, w := range want {
		if got := strings.Fields(lines[start+i]); !slices.Equal(got, w) {
			t.Errorf("line %d = %q, want %q", i, got, w)
		}
	}
	if !strings.Contains(out.String(), "randrw (70% reads)") {
		t.Errorf("the header lacks the read mix:\n%s", out.String())
	}
}

// TestSingleDirectionReportUnchanged checks that a single-direction report
// has no rw column in text, and no read or write objects in JSON.
func TestSingleDirectionReportUnchanged(t *testing.T) {
	t.Parallel()
	rep := &report{Pattern: "randread", BlockSize: 4096, RunSeconds: 1, Rounds: 1,
		Runs:    []result{{Engine: "aio", QueueDepth: 8, Round: 1, IOs: 10, IOPS: 10}},
		Summary: summarize([]result{{Engine: "aio", QueueDepth: 8, Round: 1, IOs: 10, IOPS: 10}})}
	var text, js bytes.Buffer
	if err := rep.writeText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.writeJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.Contains(line, "engine") && strings.Contains(line, " rw ") {
			t.Errorf("rw column in a single-direction report: %q", line)
		}
	}
	if strings.Contains(js.String(), `"read"`) || strings.Contains(js.String(), `"write"`) {
		t.Errorf("directions in a single-direction JSON report:\n%s", js.String())
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

// TestBadValuePrintsOneLine runs the command with bad values: each must
// exit with status 2 after one line on stderr that names the flag and
// points to -help, instead of the whole list of flags.
func TestBadValuePrintsOneLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		name string
	}{
		{[]string{"-size", "1x"}, "-size"},
		{[]string{"-runtime", "3"}, "-runtime"},
		{[]string{"-nosuchflag"}, "-nosuchflag"},
		{[]string{"-rw", "x", "-rounds", "2", "-bs", "1000"}, "-bs"},
	} {
		stderr := stderrFile(t)
		var stdout bytes.Buffer
		code := run(tc.args, &stdout, stderr)
		printed := readBack(t, stderr)
		if code != 2 || stdout.Len() > 0 {
			t.Errorf("%q: exit status %d and %q on stdout; want 2 and nothing", tc.args, code, stdout.String())
		}
		if strings.Count(printed, "\n") != 1 || !strings.Contains(printed, tc.name) || !strings.Contains(printed, "aiobench -help") {
			t.Errorf("%q printed %q; want one line naming %s and pointing to aiobench -help", tc.args, printed, tc.name)
		}
	}
}

// TestOutputPathsCheckedFirst asks for seconds of measuring with outputs
// that cannot be written: the command must refuse at once, with one line.
// The engine is fio, so that a command that measured anyway would run fio
// rather than a child copy of this test binary.
func TestOutputPathsCheckedFirst(t *testing.T) {
	t.Parallel()
	missingDir := filepath.Join(t.TempDir(), "missing")
	dirNamedLikeAPlot := filepath.Join(t.TempDir(), "sweep.png")
	if err := os.Mkdir(dirNamedLikeAPlot, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		name string
	}{
		{[]string{"-save", filepath.Join(missingDir, "report.json")}, "-save"},
		{[]string{"-plot", filepath.Join(missingDir, "sweep.png")}, "-plot"},
		{[]string{"-plot", dirNamedLikeAPlot}, "-plot"},
		// sysfs lets no one create files, root included.
		{[]string{"-save", "/sys/aiobench-report.json"}, "-save"},
		{[]string{"-dir", missingDir}, "-dir"},
	} {
		stderr := stderrFile(t)
		start := time.Now()
		args := append([]string{"-dir", t.TempDir(), "-size", "1m", "-engine", "fio", "-runtime", "3s"}, tc.args...)
		code := run(args, &bytes.Buffer{}, stderr)
		printed := readBack(t, stderr)
		if code != 2 || time.Since(start) > time.Second {
			t.Errorf("%q: exit status %d after %v; want 2, before measuring", tc.args, code, time.Since(start))
		}
		if strings.Count(printed, "\n") != 1 || !strings.Contains(printed, tc.name) {
			t.Errorf("%q printed %q; want one line naming %s", tc.args, printed, tc.name)
		}
	}
	if _, err := os.Stat(missingDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checking the paths made %s: %v", missingDir, err)
	}
}

// stderrFile returns a file to stand in for the command's stderr.
func stderrFile(t *testing.T) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// readBack returns what was written to f.
func readBack(t *testing.T, f *os.File) string {
	t.Helper()
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
