package main

// A plannedRun is one measured run in a plan: an engine at a queue depth in
// one round. With -log, the queue depth is the number of writers, and the
// run has a record size.
type plannedRun struct {
	engine     string
	queueDepth int
	round      int // from 1
	recordSize int // with -log; 0 otherwise
}

// makePlan orders the runs so that the engines being compared run next to
// each other: for each queue depth, round after round, every engine once.
// Each round starts with the next engine, so that no engine always runs
// first, when the machine may still be busy with what came before.
func makePlan(engines []string, queueDepths []int, rounds int) []plannedRun {
	var plan []plannedRun
	for _, qd := range queueDepths {
		for round := range rounds {
			for i := range engines {
				engine := engines[(i+round)%len(engines)]
				plan = append(plan, plannedRun{engine: engine, queueDepth: qd, round: round + 1})
			}
		}
	}
	return plan
}

// makeLogPlan orders the runs of -log as makePlan does, for each record
// size in turn: the logs alternate within each round.
func makeLogPlan(engines []string, writers, recordSizes []int, rounds int) []plannedRun {
	var plan []plannedRun
	for _, size := range recordSizes {
		for _, run := range makePlan(engines, writers, rounds) {
			run.recordSize = size
			plan = append(plan, run)
		}
	}
	return plan
}
