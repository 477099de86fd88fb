package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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
	engines := 3
	if _, err := exec.LookPath("fio"); err == nil {
		engines = 4
	}
	if len(rep.Runs) != 2*2*engines || len(rep.Summary) != 2*engines {
		t.Errorf("%d runs and %d summary rows, want %d and %d", len(rep.Runs), len(rep.Summary), 4*engines, 2*engines)
	}
	for _, row := range rep.Summary {
		if row.Rounds != 2 || row.IOPS <= 0 || row.VsPread == nil {
			t.Errorf("summary row %+v: want 2 rounds, IOPS, and a ratio to pread", row)
		}
		if engines == 4 && row.VsFio == nil {
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
	code := run([]string{"-file", tgt.Path, "-engine", "aio-batch", "-qd", "4", "-runtime", "100ms"}, &stdout, os.Stderr)
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	for _, want := range []string{"randread, 4 KiB blocks", tgt.Path, "aio-batch", "CPU µs/IO", "threads"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "/fio") {
		t.Errorf("ratio columns without fio:\n%s", stdout.String())
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
