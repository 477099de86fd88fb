package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for pebblebench when a test starts
// it again as a child run, as measureInChild does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-child" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestParseFlagsRejectsBadValues(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-dir", "x", "-readers", "0"},
		{"-dir", "x", "-readers", "a,b"},
		{"-dir", "x", "-rounds", "0"},
		{"-dir", "x", "-scan", "1.5"},
		{"-dir", "x", "-size", "10"},
		{"-dir", "x", "extra"},
		{"-dir", "x", "-maxthreads", "-1"},
		{"-dir", "x", "-order", "backwards"},
		{"-dir", "x", "-buffered", "wal,reads"},
		{"-dir", "x", "-ycsb", "c"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded", args)
		}
	}
	cfg, err := parseFlags([]string{"-dir", "x", "-readers", "2, 3"})
	if err != nil || len(cfg.readers) != 2 || cfg.readers[1] != 3 {
		t.Fatalf("parseFlags with -readers \"2, 3\" = %+v, %v", cfg, err)
	}
}

// TestRunsBothFS builds a small DB, reuses it on a second load, and
// measures both FSes on it, each in a child process as the benchmark runs
// them: each must complete operations.
func TestRunsBothFS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	cfg := &config{dir: dir, size: 2 << 20, readers: []int{4}, rounds: 1, runtime: 200 * time.Millisecond, cache: 1 << 20, scan: 0.5, scanLen: 3, value: 512}
	keys, err := loadDB(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if keys != 4096 {
		t.Fatalf("built %d keys, want 4096", keys)
	}
	if again, err := loadDB(cfg); err != nil || again != keys {
		t.Fatalf("loading the built DB again = %d, %v", again, err)
	}
	var results []result
	for _, kind := range fsKinds {
		r, err := measureInChild(cfg, kind, 4)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if r.FS != kind || r.Readers != 4 || r.Ops == 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Threads == 0 || r.CPUPerOp <= 0 {
			t.Fatalf("%s: %+v", kind, r)
		}
		results = append(results, r)
	}
	var out strings.Builder
	printReport(&out, cfg, keys, results)
	if !strings.Contains(out.String(), "pebblevfs / vfs.Default") || !strings.Contains(out.String(), "ops/s") {
		t.Fatalf("report:\n%s", out.String())
	}

	// YCSB A updates: the child runs it, and the DB still reads.
	cfg.ycsb = "a"
	r, err := measureInChild(cfg, aioFS, 4)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops == 0 || r.YCSB != "a" {
		t.Fatalf("a run with -ycsb a: %+v", r)
	}
	cfg.ycsb = ""

	// Gets in key order, without read-ahead: the child runs what it is
	// told.
	cfg.ordered, cfg.noReadahead = true, true
	r, err = measureInChild(cfg, aioFS, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops == 0 || !r.Ordered || !r.NoReadahead {
		t.Fatalf("a run with -order sequential -readahead=false: %+v", r)
	}
	out.Reset()
	printReport(&out, cfg, keys, []result{r})
	if !strings.Contains(out.String(), "keys in order") || !strings.Contains(out.String(), "without read-ahead") {
		t.Fatalf("report of keys in order without read-ahead:\n%s", out.String())
	}
}

// TestReportsDeath checks that a run whose process crashes, as one does past
// Go's thread limit, is reported with the runtime's reason instead of
// ending the benchmark.
func TestReportsDeath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	cfg := &config{dir: dir, size: 1 << 20, readers: []int{64}, rounds: 1, runtime: 500 * time.Millisecond, cache: 1 << 20, scan: 0.1, scanLen: 3, value: 512, maxThreads: 3}
	if _, err := loadDB(cfg); err != nil {
		t.Fatal(err)
	}
	_, err := measureInChild(cfg, defaultFS, 64)
	reason, ok := died(err)
	if !ok || !strings.Contains(reason, "thread limit") {
		t.Fatalf("a run limited to 3 OS threads: %v; want it reported as died past the thread limit", err)
	}
	r := result{FS: defaultFS, Readers: 64, Died: reason}
	var out strings.Builder
	printReport(&out, cfg, 1, []result{r})
	if !strings.Contains(out.String(), "died in every round") || !strings.Contains(out.String(), reason) {
		t.Fatalf("report:\n%s", out.String())
	}

	// A DB directory that is a file fails the run with an error.
	cfg.dir, cfg.maxThreads = filepath.Join(t.TempDir(), "file"), 0
	if err := os.WriteFile(cfg.dir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := measureInChild(cfg, defaultFS, 64); err == nil {
		t.Fatal("a run on a DB directory that is a file succeeded")
	} else if _, ok := died(err); ok {
		t.Fatalf("a run that returned an error was reported as a crash: %v", err)
	}
}

// TestFill runs a short fill on each FS, each in a child process: both
// commit batches, and the bytes written to the device are counted where the
// test directory is on a block device.
func TestFill(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	cfg := &config{dir: dir, size: 1 << 20, readers: []int{2}, rounds: 1, runtime: 500 * time.Millisecond, cache: 8 << 20, scanLen: 1, value: 1024, fill: true, buffered: "wal,tables"}
	onDevice := deviceWritten(filepath.Dir(dir)) >= 0
	var results []result
	for _, kind := range fsKinds {
		r, err := measureInChild(cfg, kind, 2)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if !r.Fill || r.Buffered != cfg.buffered || r.Readers != 2 || r.Ops == 0 || r.P50 <= 0 || (onDevice && r.DeviceBytesPerUserByte <= 0) {
			t.Fatalf("%s fill: %+v", kind, r)
		}
		results = append(results, r)
	}
	if _, err := os.Stat(dir + ".fill"); !os.IsNotExist(err) {
		t.Fatalf("the fill's DB was left behind: %v", err)
	}
	var out strings.Builder
	printReport(&out, cfg, 0, results)
	if !strings.Contains(out.String(), "fill: writers commit batches") || !strings.Contains(out.String(), "device B/user B") {
		t.Fatalf("report:\n%s", out.String())
	}
}

// TestPageCache reads memory.stat's fields as both cgroup versions name the
// page cache, and says when they are missing.
func TestPageCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.stat")
	if err := os.WriteFile(path, []byte("anon 100\nfile 123456\ncache 789\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := statField(path, "file"); n != 123456 {
		t.Fatalf("file = %d, want 123456", n)
	}
	if n := statField(path, "cache"); n != 789 {
		t.Fatalf("cache = %d, want 789", n)
	}
	if n := statField(path, "shmem"); n != -1 {
		t.Fatalf("a missing field = %d, want -1", n)
	}
	if n := statField(filepath.Join(t.TempDir(), "none"), "file"); n != -1 {
		t.Fatalf("a missing file = %d, want -1", n)
	}
	t.Logf("this process's cgroup holds %d bytes of page cache (-1: not known here)", pageCacheBytes())
}
