package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
)

// benchmark prepares the target, carries out every planned run and sums
// them up.
func benchmark(ctx context.Context, cfg *config, progress progressOutput) (rep *report, err error) {
	if cfg.log {
		return benchmarkLog(ctx, cfg, progress)
	}
	sel, err := selectEngines(cfg, exec.LookPath, geteventsAvailable)
	if err != nil {
		return nil, err
	}

	t, remove, err := prepareTarget(cfg)
	defer func() { err = errors.Join(err, remove()) }()
	if err != nil {
		return nil, err
	}
	probe, err := newWorkload(cfg.pattern, cfg.blockSize, t.Size, cfg.readMix)
	if err != nil {
		return nil, err
	}
	rep = newReport(cfg, t, probe.readPercent)
	rep.TargetDescription = cfg.describe
	rep.Notes = sel.notes
	rep.Explain = cfg.explain
	if sel.fioPath != "" {
		rep.FioVersion = fioVersionOf(sel.fioPath)
	}

	plan := makePlan(sel.engines, cfg.queueDepths, cfg.rounds)
	// A lone Go run on a file the user named is this process's whole work,
	// so it may run here; anything else gets a fresh process per run.
	inProcess := cfg.file != "" && len(plan) == 1
	for i, planned := range plan {
		out := progress
		if len(plan) > 1 {
			out.label = fmt.Sprintf("[%d/%d] ", i+1, len(plan))
		}
		res, err := carryOut(ctx, cfg, t, planned, sel.fioPath, inProcess, out)
		if err != nil {
			return nil, err
		}
		res.Round = planned.round
		rep.Runs = append(rep.Runs, res)
	}
	rep.Summary = summarize(rep.Runs)
	if cfg.goals {
		rep.Goals = judgeGoals(rep.Summary, goalSetting{kind: rep.kind(), gomaxprocs: rep.GOMAXPROCS, ram: t.RAM})
	}
	return rep, nil
}

// carryOut measures one planned run: fio by running it, a Go engine here or
// in a child process.
func carryOut(ctx context.Context, cfg *config, t target, planned plannedRun, fioPath string, inProcess bool, progress progressOutput) (result, error) {
	if !isFioEngine(planned.engine) && !inProcess {
		return runInChild(ctx, cfg, t, planned, progress)
	}
	w, err := newWorkload(cfg.pattern, cfg.blockSize, t.Size, cfg.readMix)
	if err != nil {
		return result{}, err
	}
	j := job{engine: planned.engine, path: t.Path, workload: w, queueDepth: planned.queueDepth, runtime: cfg.runtime,
		dsync: cfg.sync == syncDSync}
	if isFioEngine(planned.engine) {
		return runFio(ctx, j, fioPath, progress)
	}
	return measureGoEngine(ctx, j, progress)
}
