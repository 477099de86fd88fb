package main

import "testing"

// TestSummarizeComparesThroughputAndThreads checks the per-round ratios of
// MB/s and of peak OS threads, to pwrite+fdatasync among other baselines.
func TestSummarizeComparesThroughputAndThreads(t *testing.T) {
	t.Parallel()
	runs := []result{
		{Engine: "aio", QueueDepth: 32, Round: 1, IOPS: 200, MBPerSecond: 0.8, PeakThreads: 4},
		{Engine: fdatasyncEngine, QueueDepth: 32, Round: 1, IOPS: 100, MBPerSecond: 0.4, PeakThreads: 40},
		{Engine: "aio", QueueDepth: 32, Round: 2, IOPS: 300, MBPerSecond: 1.2, PeakThreads: 6},
		{Engine: fdatasyncEngine, QueueDepth: 32, Round: 2, IOPS: 100, MBPerSecond: 0.5, PeakThreads: 20},
		{Engine: "aio", QueueDepth: 32, Round: 3, IOPS: 250, MBPerSecond: 1.0, PeakThreads: 5},
		{Engine: fdatasyncEngine, QueueDepth: 32, Round: 3, IOPS: 100, MBPerSecond: 0.4, PeakThreads: 25},
	}
	rows := summarize(runs)
	if len(rows) != 2 || rows[0].Engine != "aio" || rows[1].Engine != fdatasyncEngine {
		t.Fatalf("rows %+v; want aio, then pwrite+fdatasync", rows)
	}
	r := rows[0].VsFdatasync
	if r == nil || rows[0].versus(fdatasyncEngine) != r {
		t.Fatalf("aio has no ratio to pwrite+fdatasync, or versus does not find it: %+v", rows[0])
	}
	// MB/s: 2, 2.4, 2.5 → 2.4; threads: 0.1, 0.3, 0.2 → 0.2.
	if !near(r.MBPerSecond, 2.4) || !near(r.MBPerSecondRange.Min, 2) || !near(r.MBPerSecondRange.Max, 2.5) {
		t.Errorf("MB/s ratio %v (%+v), want 2.4 (2–2.5)", r.MBPerSecond, r.MBPerSecondRange)
	}
	if !near(r.PeakThreads, 0.2) || !near(r.PeakThreadsRange.Min, 0.1) || !near(r.PeakThreadsRange.Max, 0.3) {
		t.Errorf("threads ratio %v (%+v), want 0.2 (0.1–0.3)", r.PeakThreads, r.PeakThreadsRange)
	}
	if rows[0].VsFio != nil || rows[1].VsFdatasync == nil {
		t.Errorf("ratios to engines that did not run, or none to itself: %+v", rows)
	}
}

// TestSummarizeSeparatesRecordSizes checks that -log runs at the same
// number of writers but different record sizes are summed up, and
// compared, apart.
func TestSummarizeSeparatesRecordSizes(t *testing.T) {
	t.Parallel()
	runs := []result{
		{Engine: aioLogEngine, QueueDepth: 64, RecordSize: 128, Round: 1, IOPS: 300},
		{Engine: groupCommitEngine, QueueDepth: 64, RecordSize: 128, Round: 1, IOPS: 100},
		{Engine: aioLogEngine, QueueDepth: 64, RecordSize: 4096, Round: 1, IOPS: 50},
		{Engine: groupCommitEngine, QueueDepth: 64, RecordSize: 4096, Round: 1, IOPS: 100},
	}
	rows := summarize(runs)
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4: two engines at two record sizes", len(rows))
	}
	if row := rows[0]; row.RecordSize != 128 || row.VsGroupCommit == nil || !near(row.VsGroupCommit.IOPS, 3) {
		t.Errorf("aio-log at 128 B: %+v, want 3× groupcommit-log", row)
	}
	if rows[2].Engine != aioLogEngine || rows[2].RecordSize != 4096 || !near(rows[2].VsGroupCommit.IOPS, 0.5) {
		t.Errorf("aio-log at 4 KiB: %+v, want 0.5× groupcommit-log", rows[2])
	}
}
