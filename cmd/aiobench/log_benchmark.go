package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// benchmarkLog carries out -log: every log at every number of writers and
// record size, round after round, and sums them up. Each run happens in a
// fresh process on a new log file in cfg.dir, as the runs of Go engines do,
// unless it is the only run.
func benchmarkLog(ctx context.Context, cfg *config, progress progressOutput) (*report, error) {
	dir, err := filepath.Abs(cfg.dir)
	if err != nil {
		return nil, err
	}
	if err := checkLogDirectory(dir); err != nil {
		return nil, err
	}
	t := target{Path: dir, Directory: true, RAM: ramBackingOfDirectory(dir)}
	rep := newReport(cfg, t, 0)
	rep.Log, rep.Pattern, rep.BlockSize, rep.Sync = true, "", 0, ""
	rep.Writers, rep.RecordSizes = cfg.writers, cfg.recordSizes
	rep.TargetDescription = cfg.describe

	plan := makeLogPlan(cfg.engines, cfg.writers, cfg.recordSizes, cfg.rounds)
	for i, planned := range plan {
		out := progress
		if len(plan) > 1 {
			out.label = fmt.Sprintf("[%d/%d] ", i+1, len(plan))
		}
		var res result
		if len(plan) == 1 {
			res, err = measureLog(ctx, dir, planned, cfg.runtime, out)
		} else {
			res, err = runInChild(ctx, cfg, t, planned, out)
		}
		if err != nil {
			return nil, err
		}
		res.Round = planned.round
		rep.Runs = append(rep.Runs, res)
	}
	rep.Summary = summarize(rep.Runs)
	if cfg.goals {
		rep.Goals = judgeGoals(rep.Summary, goalSetting{kind: logRows, gomaxprocs: rep.GOMAXPROCS, ram: t.RAM})
	}
	return rep, nil
}

// measureLog runs one -log run in this process: run.queueDepth writers
// appending records of run.recordSize bytes for runtime, or until ctx is
// done.
func measureLog(ctx context.Context, dir string, run plannedRun, runtime time.Duration, progress progressOutput) (result, error) {
	loop, err := openLogLoop(run.engine, dir, run.queueDepth, run.recordSize)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", run.engine, err)
	}
	j := job{engine: run.engine, path: loop.path, workload: appendWorkload(run.recordSize), queueDepth: run.queueDepth, runtime: runtime}
	res, runErr := measure(ctx, j, loop, progress)
	if err := errors.Join(runErr, loop.close()); err != nil {
		return result{}, fmt.Errorf("%s with %d writers of %s records: %w", run.engine, run.queueDepth, formatSize(int64(run.recordSize)), err)
	}
	res.RecordSize = run.recordSize
	return res, nil
}

// logChildArguments is the command line of a child of -log: the same
// settings, one log, one number of writers, one record size.
func logChildArguments(cfg *config, run plannedRun) []string {
	return []string{
		"-log",
		"-dir", cfg.dir,
		"-engine", run.engine,
		"-writers", strconv.Itoa(run.queueDepth),
		"-record", strconv.Itoa(run.recordSize),
		"-runtime", cfg.runtime.String(),
		"-json",
	}
}

// checkLogDirectory makes sure, before anything is measured, that files in
// dir can be created and opened with O_DIRECT, as wal.Log opens its file.
func checkLogDirectory(dir string) error {
	f, err := os.CreateTemp(dir, "aiobench-check-*.wal")
	if err != nil {
		return fmt.Errorf("-dir %s: cannot create a log file there (%v); name a writable directory", dir, err)
	}
	err = errors.Join(f.Close(), checkDirectIO(f.Name()))
	return errors.Join(err, os.Remove(f.Name()))
}
