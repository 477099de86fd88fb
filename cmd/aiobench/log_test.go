package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseLogConfig(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig([]string{"-log"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.log || !slices.Equal(cfg.writers, []int{1, 8, 64, 256}) || !slices.Equal(cfg.recordSizes, []int{128, 1024, 4096}) ||
		!slices.Equal(cfg.engines, logEngineNames) {
		t.Errorf("-log defaults: writers %v, records %v, engines %v", cfg.writers, cfg.recordSizes, cfg.engines)
	}
	cfg, err = parseConfig([]string{"-log", "-writers", "64, 2,64", "-record", "4k,100", "-engine", "groupcommit-log",
		"-dir", "/var/tmp", "-rounds", "2", "-runtime", "1s", "-goals", "-strict", "-json", "-describe", "d"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.writers, []int{64, 2}) || !slices.Equal(cfg.recordSizes, []int{4096, 100}) ||
		!slices.Equal(cfg.engines, []string{groupCommitEngine}) || cfg.rounds != 2 || !cfg.strict || cfg.dir != "/var/tmp" {
		t.Errorf("parsed %+v", cfg)
	}
	// The defaults are not shared with the list of engines.
	cfg.engines[0] = "x"
	if logEngineNames[0] == "x" || logEngineNames[0] != aioLogEngine {
		t.Fatal("the config's engines alias logEngineNames")
	}
}

// TestLogFlagErrors gives -log settings that make no sense: each must fail
// with one line that names the flag.
func TestLogFlagErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-log", "-qd", "4"}, []string{"-qd does not apply to -log", "-writers"}},
		{[]string{"-log", "-rw", "randwrite", "-sync", "dsync"}, []string{"-rw and -sync do not apply to -log"}},
		{[]string{"-log", "-file", "x"}, []string{"-file"}},
		{[]string{"-log", "-compare"}, []string{"-compare"}},
		{[]string{"-log", "-plot", "x.png"}, []string{"-plot"}},
		{[]string{"-log", "-writers", "0"}, []string{`-writers "0"`, "from 1 to 4096"}},
		{[]string{"-log", "-writers", "8,"}, []string{"-writers"}},
		{[]string{"-log", "-record", "2m"}, []string{`-record "2m"`, "from 1 byte to 1 MiB"}},
		{[]string{"-log", "-record", "0"}, []string{"-record"}},
		{[]string{"-log", "-record", "big"}, []string{"-record"}},
		{[]string{"-log", "-engine", "aio"}, []string{`-engine "aio"`, "aio-log or groupcommit-log"}},
		{[]string{"-log", "-strict"}, []string{"add -goals"}},
		{[]string{"-writers", "8"}, []string{"-writers applies to -log only", "add -log"}},
		{[]string{"-record", "1k"}, []string{"-record applies to -log only"}},
		{[]string{"-engine", "aio-log"}, []string{"-engine aio-log is a log", "add -log"}},
	} {
		var out strings.Builder
		_, err := parseConfig(tc.args, &out)
		if err == nil {
			t.Errorf("parseConfig(%q) succeeded", tc.args)
			continue
		}
		if strings.Contains(err.Error(), "\n") || out.Len() > 0 {
			t.Errorf("parseConfig(%q): %q and printed %q; want one line, nothing printed", tc.args, err, out.String())
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("parseConfig(%q) = %v; want it to say %q", tc.args, err, want)
			}
		}
	}
}

func TestMakeLogPlan(t *testing.T) {
	t.Parallel()
	plan := makeLogPlan(logEngineNames, []int{1, 64}, []int{128, 4096}, 2)
	if len(plan) != 2*2*2*2 {
		t.Fatalf("%d runs, want 2 record sizes × 2 writer counts × 2 rounds × 2 logs", len(plan))
	}
	want := []plannedRun{
		{aioLogEngine, 1, 1, 128}, {groupCommitEngine, 1, 1, 128},
		{groupCommitEngine, 1, 2, 128}, {aioLogEngine, 1, 2, 128},
		{aioLogEngine, 64, 1, 128}, {groupCommitEngine, 64, 1, 128},
	}
	for i, w := range want {
		if plan[i] != w {
			t.Errorf("run %d = %+v, want %+v", i, plan[i], w)
		}
	}
	if last := plan[len(plan)-1]; last.recordSize != 4096 || last.queueDepth != 64 {
		t.Errorf("last run %+v, want 64 writers of 4 KiB records", last)
	}
}

// TestLogChildArguments parses a child's command line back.
func TestLogChildArguments(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig([]string{"-log", "-dir", "/var/tmp", "-runtime", "2s", "-goals"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	args := childArguments(cfg, target{Path: "/var/tmp", Directory: true}, plannedRun{engine: groupCommitEngine, queueDepth: 64, round: 2, recordSize: 1024})
	child, err := parseConfig(args, io.Discard)
	if err != nil {
		t.Fatalf("the child's arguments %q do not parse: %v", args, err)
	}
	if !child.log || !slices.Equal(child.writers, []int{64}) || !slices.Equal(child.recordSizes, []int{1024}) ||
		!slices.Equal(child.engines, []string{groupCommitEngine}) || child.dir != "/var/tmp" || child.runtime != 2*time.Second || !child.jsonOutput {
		t.Errorf("child of %q: %+v", args, child)
	}
}

// logDir returns a directory for log files on a filesystem with O_DIRECT,
// or skips the test.
func logDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := checkLogDirectory(dir); err != nil {
		t.Skipf("the temporary directory cannot hold logs: %v", err)
	}
	return dir
}

func TestLogRuns(t *testing.T) {
	dir := logDir(t)
	for _, engine := range logEngineNames {
		run := plannedRun{engine: engine, queueDepth: 4, round: 1, recordSize: 100}
		res, err := measureLog(context.Background(), dir, run, 200*time.Millisecond, progressOutput{})
		if err != nil {
			t.Fatalf("%s: %v", engine, err)
		}
		checkResultOfBlocks(t, res, engine, 4, 100)
		if res.RecordSize != 100 || res.Read != nil || res.Write != nil {
			t.Errorf("%s: record size %d, directions %v %v; want 100 and none", engine, res.RecordSize, res.Read, res.Write)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s left %v behind", engine, entries)
		}
	}
	if _, err := measureLog(context.Background(), dir, plannedRun{engine: "aio", queueDepth: 1, recordSize: 8}, time.Millisecond, progressOutput{}); err == nil {
		t.Error("measureLog ran an engine that is not a log")
	}
}

// TestLogCommand runs -log as a user would, each run in a child process:
// the report must have every run, the ratios to groupcommit-log, the goal
// at 64 writers, and no log file left.
func TestLogCommand(t *testing.T) {
	dir := logDir(t)
	t.Setenv(commandEnv, "1")
	var stdout bytes.Buffer
	code := run([]string{"-log", "-dir", dir, "-writers", "2,64", "-record", "128", "-runtime", "100ms", "-goals", "-json"}, &stdout, os.Stderr)
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v in %s", err, stdout.String())
	}
	if !rep.Log || len(rep.Runs) != 4 || len(rep.Summary) != 4 || !rep.Target.Directory {
		t.Fatalf("log %v, %d runs, %d rows, target %+v; want a log report of 4 runs and rows", rep.Log, len(rep.Runs), len(rep.Summary), rep.Target)
	}
	for _, row := range rep.Summary {
		if row.RecordSize != 128 || row.IOPS <= 0 || row.VsGroupCommit == nil || row.VsGroupCommit.IOPS <= 0 {
			t.Errorf("row %+v", row)
		}
	}
	if len(rep.Goals) != 2 || rep.Goals[0].Goal != "aio-log 64 writers, 128 B records, commits/s ≥ 2.0× groupcommit-log" {
		t.Errorf("goals %+v; want the two at 64 writers of 128 B records", rep.Goals)
	}
	for _, v := range rep.Goals {
		if v.Status == "n/a" && rep.Target.RAM == "" {
			t.Errorf("%s not judged on a target that is not in RAM", v.Goal)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("log files left behind: %v", entries)
	}
}

func TestLogTextReport(t *testing.T) {
	t.Parallel()
	rep := &report{Log: true, Writers: []int{1, 64}, RecordSizes: []int{128, 4096}, RunSeconds: 3, Rounds: 3,
		Target: target{Path: "/var/tmp", Directory: true},
		Summary: []summaryRow{
			{Engine: aioLogEngine, QueueDepth: 64, RecordSize: 4096, figures: figures{IOPS: 50000, MBPerSecond: 204.8, LatencyP99: 900},
				CPUPerIO: 7.5, PeakThreads: 9, VsGroupCommit: &ratios{IOPS: 2.5, LatencyP99: 0.75}},
			{Engine: groupCommitEngine, QueueDepth: 64, RecordSize: 4096, figures: figures{IOPS: 20000, MBPerSecond: 81.9, LatencyP99: 1200},
				CPUPerIO: 20, PeakThreads: 12, VsGroupCommit: &ratios{IOPS: 1, LatencyP99: 1}},
		},
		Goals: []verdict{{Goal: "aio-log 64 writers, 4 KiB records, commits/s ≥ 2.0× groupcommit-log", Measured: 2.5, Limit: 2, Status: "PASS"}},
	}
	var out bytes.Buffer
	if err := rep.writeText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"group-commit logs", "1, 64 writers", "records of 128 B, 4 KiB", "directory for new log files",
		"wal.GroupCommitLog", "commits/s", "CPU µs/commit", "commits/gc", "p99/gc", "2.50×", "0.75×",
		"aio-log/groupcommit-log commits/s, 4 KiB records", "64 writers", "PASS"} {
		if !strings.Contains(text, want) {
			t.Errorf("log report lacks %q:\n%s", want, text)
		}
	}
	var row []string
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == aioLogEngine {
			row = f
			break
		}
	}
	if want := []string{aioLogEngine, "64", "4", "KiB", "50000", "204.8"}; len(row) < len(want) || !slices.Equal(row[:len(want)], want) {
		t.Errorf("aio-log line %q, want it to start %q", row, want)
	}
}

func TestDirectoryInRAM(t *testing.T) {
	t.Parallel()
	if got := ramBackingOfDirectory(shmDir(t)); got != "a directory on tmpfs" {
		t.Errorf("a directory on /dev/shm: %q, want \"a directory on tmpfs\"", got)
	}
	// /var/tmp is on the machine's disk, unless it is a tmpfs itself.
	if ramFilesystem("/var/tmp") == "" {
		if got := ramBackingOfDirectory("/var/tmp"); got != "" {
			t.Errorf("/var/tmp, on a disk, is reported as RAM: %q", got)
		}
	}
	if got := ramBackingOfDirectory("/proc"); got != "" {
		t.Errorf("/proc is reported as RAM: %q", got)
	}
}

// TestExt4OnLoopOverTmpfsIsRAM makes the log target of bench/bench.sh's
// loop target: ext4 on a loop device over a file on /dev/shm. It needs
// root, losetup, mkfs.ext4 and mount.
func TestExt4OnLoopOverTmpfsIsRAM(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	tools := map[string]string{}
	for _, name := range []string{"losetup", "mkfs.ext4", "mount", "umount"} {
		path, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("needs %s", name)
		}
		tools[name] = path
	}
	image := filepath.Join(shmDir(t), "ext4.img")
	if err := os.WriteFile(image, make([]byte, 16<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tools["losetup"], "-f", "--show", image).Output()
	if err != nil {
		t.Skipf("no loop device: %v", err)
	}
	device := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if err := exec.Command(tools["losetup"], "-d", device).Run(); err != nil {
			t.Errorf("detaching %s: %v", device, err)
		}
	})
	if out, err := exec.Command(tools["mkfs.ext4"], "-q", "-F", device).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v\n%s", err, out)
	}
	mnt := t.TempDir()
	if out, err := exec.Command(tools["mount"], device, mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount here: %v\n%s", err, out)
	}
	// Registered after the detach, so it runs before it.
	t.Cleanup(func() {
		if out, err := exec.Command(tools["umount"], mnt).CombinedOutput(); err != nil {
			t.Errorf("umount: %v\n%s", err, out)
		}
	})
	got := ramBackingOfDirectory(mnt)
	if !strings.Contains(got, "a filesystem on a loop device over "+image) || !strings.Contains(got, "tmpfs") {
		t.Errorf("ext4 on %s over %s: %q, want it in RAM", device, image, got)
	}
}
