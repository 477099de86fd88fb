package main

import (
	"bytes"
	"slices"
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

// statusOf returns the verdicts by goal, as "STATUS" strings.
func statusOf(verdicts []verdict) map[string]string {
	m := make(map[string]string, len(verdicts))
	for _, v := range verdicts {
		m[v.Goal] = v.Status
	}
	return m
}

// checkStatus compares verdicts with want, goal by goal, and checks that
// there are no others.
func checkStatus(t *testing.T, verdicts []verdict, want map[string]string) {
	t.Helper()
	got := statusOf(verdicts)
	for goal, status := range want {
		if got[goal] != status {
			t.Errorf("%s: %q, want %q", goal, got[goal], status)
		}
	}
	for goal, status := range got {
		if _, ok := want[goal]; !ok {
			t.Errorf("unexpected verdict %s: %s", goal, status)
		}
	}
	if len(got) != len(verdicts) {
		t.Errorf("%d verdicts for %d goals: a goal is judged twice", len(verdicts), len(got))
	}
}

func TestJudgeGoals(t *testing.T) {
	t.Parallel()
	rows := goalRows()
	small := goalSetting{kind: smallBlockRows, gomaxprocs: 4}
	verdicts := judgeGoals(rows, small)
	// aio: 2 × 2 at QD32 and QD128, 3 at QD1, threads; aio-batch: 3 at
	// each of 3 depths, threads; and the 2 × 4 goals at QD1024 and QD4096,
	// n/a here.
	if len(verdicts) != 4+3+1+9+1+8 || missed(verdicts) != 0 || countStatus(verdicts, "n/a") != 8 {
		t.Fatalf("all at 1×: %d verdicts, %d missed, %d n/a; want 26, none, 8:\n%+v", len(verdicts), missed(verdicts), countStatus(verdicts, "n/a"), verdicts)
	}
	// aio-batch at QD32 at 0.95× fio's IOPS, aio at QD128 with 13 threads.
	rows[3].VsFio = &ratios{IOPS: 0.95, CPUPerIO: 1}
	rows[4].PeakThreads = 13
	verdicts = judgeGoals(rows, small)
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
	verdicts = judgeGoals(rows[2:], small)
	for _, v := range verdicts {
		if strings.Contains(v.Goal, "QD1 ") && v.Status != "n/a" {
			t.Errorf("%s: %s without a QD1 run", v.Goal, v.Status)
		}
	}
}

// TestJudgeGoalsInRAM checks that the goals about keeping a device busy
// are not judged on a target in RAM, and say why, while the others are.
func TestJudgeGoalsInRAM(t *testing.T) {
	t.Parallel()
	rows := goalRows()
	for i := range rows {
		if rows[i].Engine == "aio" && rows[i].QueueDepth > 1 {
			rows[i].VsFio = &ratios{IOPS: 0.5, CPUPerIO: 1}
		}
	}
	disk := judgeGoals(rows, goalSetting{kind: smallBlockRows, gomaxprocs: 4})
	ram := judgeGoals(rows, goalSetting{kind: smallBlockRows, gomaxprocs: 4, ram: "a file on tmpfs"})
	for _, goal := range []string{"aio QD32 IOPS ≥ 1.0× fio", "aio QD128 IOPS ≥ 1.0× fio"} {
		if s := statusOf(disk)[goal]; s != "MISS" {
			t.Errorf("on a disk, %s: %s, want MISS", goal, s)
		}
		i := slices.IndexFunc(ram, func(v verdict) bool { return v.Goal == goal })
		if i < 0 || ram[i].Status != "n/a" || !strings.Contains(ram[i].Note, "tmpfs") {
			t.Errorf("in RAM, %s: %+v; want n/a with a note naming the RAM", goal, ram)
		}
	}
	if s := statusOf(ram)["aio QD32 CPU/IO ≤ 1.1× fio"]; s != "PASS" {
		t.Errorf("in RAM, the CPU goal is %s, want PASS: it does not depend on a device", s)
	}
	if missed(ram) != 0 {
		t.Errorf("in RAM, %d goals missed, want none", missed(ram))
	}
}

func TestJudgeLargeBlockGoals(t *testing.T) {
	t.Parallel()
	rows := []summaryRow{
		{Engine: "aio", QueueDepth: 4, VsFio: &ratios{IOPS: 0.99, MBPerSecond: 0.99}},
		{Engine: "aio", QueueDepth: 16, VsFio: &ratios{IOPS: 0.97, MBPerSecond: 0.97}},
		{Engine: "aio-stream", QueueDepth: 4, VsFio: &ratios{MBPerSecond: 1.2, CPUPerIO: 1.01}},
		{Engine: "fio", QueueDepth: 4},
	}
	verdicts := judgeGoals(rows, goalSetting{kind: largeBlockRows, gomaxprocs: 2, ram: "a file on tmpfs"})
	checkStatus(t, verdicts, map[string]string{
		"aio QD4 MB/s ≥ 0.98× fio":  "PASS",
		"aio QD16 MB/s ≥ 0.98× fio": "MISS",
		// aio-batch did not run: one verdict for all depths.
		"aio-batch MB/s ≥ 0.98× fio at every depth": "n/a",
		"aio-stream QD4 MB/s ≥ 0.98× fio":           "PASS",
		"aio-stream QD4 CPU/IO ≤ 1.0× fio":          "MISS",
	})
	// The MB/s ratio is what counts, not the IOPS ratio.
	rows[1].VsFio = &ratios{IOPS: 0.5, MBPerSecond: 1.01}
	if s := statusOf(judgeGoals(rows, goalSetting{kind: largeBlockRows}))["aio QD16 MB/s ≥ 0.98× fio"]; s != "PASS" {
		t.Errorf("at 1.01× fio's MB/s: %s, want PASS", s)
	}
}

func TestJudgeDurableGoals(t *testing.T) {
	t.Parallel()
	var rows []summaryRow
	for _, qd := range []int{1, 8, 32, 64} {
		for _, engine := range []string{"aio", "aio-batch"} {
			rows = append(rows, summaryRow{Engine: engine, QueueDepth: qd, PeakThreads: 5,
				VsFdatasync: &ratios{IOPS: 2.1, PeakThreads: 0.2},
				VsPread:     &ratios{IOPS: 1.6, PeakThreads: 0.25},
				VsFio:       &ratios{IOPS: 0.1}})
		}
	}
	// aio-batch at QD64 commits only 1.9× as often as pwrite+fdatasync,
	// aio at QD32 needs 0.3× pread's threads.
	rows[7].VsFdatasync = &ratios{IOPS: 1.9, PeakThreads: 0.2}
	rows[4].VsPread = &ratios{IOPS: 1.6, PeakThreads: 0.3}
	want := map[string]string{}
	for _, qd := range []string{"32", "64"} {
		for _, engine := range []string{"aio", "aio-batch"} {
			want[engine+" QD"+qd+" IOPS ≥ 2.0× pwrite+fdatasync"] = "PASS"
			want[engine+" QD"+qd+" IOPS ≥ 1.5× pread"] = "PASS"
			want[engine+" QD"+qd+" peak OS threads ≤ 0.25× pwrite+fdatasync"] = "PASS"
			want[engine+" QD"+qd+" peak OS threads ≤ 0.25× pread"] = "PASS"
		}
	}
	want["aio-batch QD64 IOPS ≥ 2.0× pwrite+fdatasync"] = "MISS"
	want["aio QD32 peak OS threads ≤ 0.25× pread"] = "MISS"
	verdicts := judgeGoals(rows, goalSetting{kind: durableRows, gomaxprocs: 2})
	checkStatus(t, verdicts, want)
	for _, v := range verdicts {
		if v.Count {
			t.Errorf("%s is a ratio, not a count", v.Goal)
		}
	}
}

func TestJudgeLogGoals(t *testing.T) {
	t.Parallel()
	rows := []summaryRow{
		{Engine: aioLogEngine, QueueDepth: 8, RecordSize: 128, VsGroupCommit: &ratios{IOPS: 0.5, LatencyP99: 3}},
		{Engine: aioLogEngine, QueueDepth: 64, RecordSize: 128, VsGroupCommit: &ratios{IOPS: 2.5, LatencyP99: 0.9}},
		{Engine: aioLogEngine, QueueDepth: 64, RecordSize: 4096, VsGroupCommit: &ratios{IOPS: 1.5, LatencyP99: 1.2}},
		{Engine: groupCommitEngine, QueueDepth: 64, RecordSize: 4096},
	}
	want := map[string]string{
		"aio-log 64 writers, 128 B records, commits/s ≥ 2.0× groupcommit-log": "PASS",
		"aio-log 64 writers, 128 B records, p99 ≤ 1.0× groupcommit-log":       "PASS",
		"aio-log 64 writers, 4 KiB records, commits/s ≥ 2.0× groupcommit-log": "MISS",
		"aio-log 64 writers, 4 KiB records, p99 ≤ 1.0× groupcommit-log":       "MISS",
	}
	checkStatus(t, judgeGoals(rows, goalSetting{kind: logRows, gomaxprocs: 2}), want)
	for goal := range want {
		want[goal] = "n/a"
	}
	checkStatus(t, judgeGoals(rows, goalSetting{kind: logRows, gomaxprocs: 2, ram: "a loop device over /dev/shm/x, a file on tmpfs"}), want)
}

func TestGoalsHelpByKind(t *testing.T) {
	t.Parallel()
	help := goalsHelp()
	var last int
	for _, want := range []string{
		"4 KiB random reads and writes", "aio QD32 IOPS ≥ 1.0× fio (not judged when the target is in RAM)",
		"aio-batch IOPS ≥ 1.0× getevents at every depth",
		"1 MiB sequential", "aio MB/s ≥ 0.98× fio at every depth",
		"durable writes (-sync dsync)", "aio QD32 IOPS ≥ 1.5× pread", "aio-batch QD64 peak OS threads ≤ 0.25× pwrite+fdatasync",
		"group-commit logs (-log)", "aio-log 64 writers p99 ≤ 1.0× groupcommit-log at every record size",
	} {
		i := strings.Index(help, want)
		if i < last {
			t.Errorf("help lacks %q, or has it out of order:\n%s", want, help)
			continue
		}
		last = i
	}
}

func TestFormatLimit(t *testing.T) {
	t.Parallel()
	for limit, want := range map[float64]string{1: "1.0", 1.5: "1.5", 0.98: "0.98", 0.25: "0.25", 2: "2.0", 1.1: "1.1"} {
		if got := formatLimit(limit); got != want {
			t.Errorf("formatLimit(%v) = %q, want %q", limit, got, want)
		}
	}
}

func TestRatioTableShowsSpread(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := writeRatioTable(&out, goalRows(), smallBlockRows); err != nil {
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

// TestRatioTablePerKind checks that each kind of rows gets the ratios
// that matter for it, with the values of the right measure.
func TestRatioTablePerKind(t *testing.T) {
	t.Parallel()
	r := &ratios{IOPS: 1.5, MBPerSecond: 0.97, MBPerSecondRange: spread{0.96, 0.99},
		PeakThreads: 0.2, PeakThreadsRange: spread{0.1, 0.25}, LatencyP99: 0.8, LatencyP99Range: spread{0.7, 0.9}}
	for _, tc := range []struct {
		kind    rowKind
		rows    []summaryRow
		want    []string
		notWant []string
	}{
		{largeBlockRows, []summaryRow{{Engine: "aio", QueueDepth: 4, VsFio: r}},
			[]string{"QD4", "aio/fio MB/s", "0.97× (0.96–0.99)"}, []string{"aio/fio IOPS", "1.50×"}},
		{durableRows, []summaryRow{{Engine: "aio", QueueDepth: 32, VsFdatasync: r, VsPread: r}},
			[]string{"aio/pwrite+fdatasync IOPS", "aio/pwrite+fdatasync peak threads", "aio/pread IOPS", "0.20× (0.10–0.25)", "aio/fio IOPS"},
			[]string{"MB/s"}},
		{logRows, []summaryRow{{Engine: aioLogEngine, QueueDepth: 64, RecordSize: 4096, VsGroupCommit: r}},
			[]string{"64 writers", "aio-log/groupcommit-log commits/s, 4 KiB records", "1.50×",
				"aio-log/groupcommit-log p99, 4 KiB records", "0.80× (0.70–0.90)", "CPU/commit"},
			[]string{"QD64", "aio/fio"}},
	} {
		var out bytes.Buffer
		if err := writeRatioTable(&out, tc.rows, tc.kind); err != nil {
			t.Fatal(err)
		}
		for _, want := range tc.want {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: ratio table lacks %q:\n%s", tc.kind, want, out.String())
			}
		}
		for _, no := range tc.notWant {
			if strings.Contains(out.String(), no) {
				t.Errorf("%v: ratio table has %q:\n%s", tc.kind, no, out.String())
			}
		}
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		bs   int
		sync string
		want rowKind
	}{
		{4096, syncNone, smallBlockRows},
		{512 << 10, syncNone, smallBlockRows},
		{1 << 20, syncNone, largeBlockRows},
		{4 << 20, syncNone, largeBlockRows},
		{4096, syncDSync, durableRows},
		{1 << 20, syncDSync, durableRows},
	} {
		if got := kindOf(tc.bs, tc.sync); got != tc.want {
			t.Errorf("kindOf(%d, %s) = %v, want %v", tc.bs, tc.sync, got, tc.want)
		}
	}
}

// TestVerdictsText checks how verdicts print: counts as counts, ratios with
// ×, and the reason that a goal was not judged.
func TestVerdictsText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := writeVerdicts(&out, []verdict{
		{Goal: "aio QD128 peak OS threads ≤ GOMAXPROCS+8", Measured: 9, Limit: 10, Count: true, Status: "PASS"},
		{Goal: "aio QD32 peak OS threads ≤ 0.25× pread", Measured: 0.3, Limit: 0.25, Status: "MISS"},
		{Goal: "aio QD32 IOPS ≥ 1.0× fio", Status: "n/a", Note: "not judged: the target is in RAM"},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	for i, want := range [][]string{
		{"goal", "median", "verdict"},
		{"aio QD128 peak OS threads ≤ GOMAXPROCS+8", "9", "PASS"},
		{"aio QD32 peak OS threads ≤ 0.25× pread", "0.30×", "MISS"},
		{"aio QD32 IOPS ≥ 1.0× fio", "-", "n/a", "not judged: the target is in RAM"},
	} {
		if i >= len(lines) || !strings.Contains(strings.Join(strings.Fields(lines[i]), " "), strings.Join(want, " ")) {
			t.Errorf("line %d of\n%s\nwant %q", i, out.String(), want)
		}
	}
	if !strings.Contains(out.String(), "1 of 3 goals missed") {
		t.Errorf("no count of misses:\n%s", out.String())
	}
}
