package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFioWriteRuns runs fio as both fio engines do for durable 4 KiB random
// writes and 1 MiB sequential writes.
func TestFioWriteRuns(t *testing.T) {
	fio, err := exec.LookPath("fio")
	if err != nil {
		t.Skip("fio is not installed (make test installs it)")
	}
	tgt := directIOFileOfSize(t, 4<<20)
	for _, tc := range []struct {
		pattern string
		bs      int
		dsync   bool
	}{{"randwrite", 4096, true}, {"write", 1 << 20, false}, {"read", 1 << 20, false}} {
		w, err := newWorkload(tc.pattern, tc.bs, tgt.Size, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, engine := range []string{"fio", "fio-best"} {
			j := job{engine: engine, path: tgt.Path, workload: w, queueDepth: 4, runtime: 200 * time.Millisecond, dsync: tc.dsync}
			res, err := runFio(context.Background(), j, fio, progressOutput{})
			if err != nil {
				t.Fatalf("%s %s: %v", engine, tc.pattern, err)
			}
			checkResultOfBlocks(t, res, engine, 4, tc.bs)
		}
	}
}

// runCommand runs aiobench with args, its Go runs in children of this test
// binary, and returns the report it prints as JSON and as text.
func runCommand(t *testing.T, args ...string) (*report, string) {
	t.Helper()
	directIOFile(t)
	t.Setenv(commandEnv, "1")
	var js, text bytes.Buffer
	saved := t.TempDir() + "/report.json"
	if code := run(append(args, "-save", saved), &text, os.Stderr); code != 0 {
		t.Fatalf("aiobench %q: exit status %d", args, code)
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	js.Write(data)
	var rep report
	if err := json.Unmarshal(js.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	return &rep, text.String()
}

// TestCompareDurableWrites runs -compare -goals with -sync dsync: the
// pwrite+fdatasync engine must run, and the verdicts and ratios be those of
// durable writes.
func TestCompareDurableWrites(t *testing.T) {
	rep, text := runCommand(t, "-dir", t.TempDir(), "-size", "1m", "-rw", "randwrite", "-sync", "dsync", "-compare", "-goals",
		"-qd", "32", "-runtime", "100ms")
	if rep.Sync != syncDSync || rep.kind() != durableRows {
		t.Errorf("report sync %q, kind %v", rep.Sync, rep.kind())
	}
	i := slices.IndexFunc(rep.Summary, func(r summaryRow) bool { return r.Engine == fdatasyncEngine })
	if i < 0 || rep.Summary[i].IOPS <= 0 {
		t.Fatalf("no pwrite+fdatasync row: %+v", rep.Summary)
	}
	for _, row := range rep.Summary {
		if row.Engine != fdatasyncEngine && row.VsFdatasync == nil {
			t.Errorf("%s lacks the ratio to pwrite+fdatasync", row.Engine)
		}
	}
	for _, want := range []string{"durable writes (-sync dsync)", "aio/pwrite+fdatasync IOPS", "aio-batch/pread peak threads",
		"aio QD32 IOPS ≥ 2.0× pwrite+fdatasync", "aio-batch QD32 peak OS threads ≤ 0.25× pread"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	judged := 0
	for _, v := range rep.Goals {
		if v.Status != "n/a" {
			judged++
			if !strings.Contains(v.Goal, "QD32") {
				t.Errorf("%s judged on a run at QD32 only", v.Goal)
			}
		}
	}
	if len(rep.Goals) != 16 || judged != 8 {
		t.Errorf("%d verdicts, %d judged; want the 16 durable goals, the 8 at QD32 judged:\n%+v", len(rep.Goals), judged, rep.Goals)
	}
}

// TestCompareLargeBlocks runs -compare -goals with 1 MiB sequential reads:
// the table and the goals are about MB/s (the streams', not run by
// -compare, about their CPU too).
func TestCompareLargeBlocks(t *testing.T) {
	rep, text := runCommand(t, "-dir", t.TempDir(), "-size", "8m", "-rw", "read", "-bs", "1m", "-compare", "-goals",
		"-qd", "4", "-runtime", "100ms")
	if slices.ContainsFunc(rep.Summary, func(r summaryRow) bool { return r.Engine == fdatasyncEngine }) {
		t.Error("pwrite+fdatasync ran without -sync dsync")
	}
	for _, row := range rep.Summary {
		if row.MBPerSecond <= 0 {
			t.Errorf("%s: no MB/s", row.Engine)
		}
	}
	for _, want := range []string{"read, 1 MiB blocks", "MB/s", "aio-batch/getevents MB/s", "aio QD4 MB/s ≥ 0.98× fio"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	for _, v := range rep.Goals {
		// The streams' goals are about their CPU too; aio-stream did not
		// run, so they are n/a.
		if strings.HasPrefix(v.Goal, "aio-stream ") {
			if v.Status != "n/a" {
				t.Errorf("goal %q: %s; aio-stream did not run", v.Goal, v.Status)
			}
			continue
		}
		if !strings.Contains(v.Goal, "MB/s") {
			t.Errorf("goal %q is not about MB/s", v.Goal)
		}
	}
}
