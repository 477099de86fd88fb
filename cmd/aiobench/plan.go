package main

// A plannedRun is one measured run in a plan: an engine at a queue depth in
// one round.
type plannedRun struct {
	engine     string
	queueDepth int
	round      int // from 1
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
