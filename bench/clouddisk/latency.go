package main

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// latency is how long the disk takes to answer a request: a duration drawn
// uniformly from [mean-jitter, mean+jitter] for each request.
type latency struct {
	mean   time.Duration
	jitter time.Duration
}

func newLatency(mean, jitter time.Duration) (latency, error) {
	if mean <= 0 {
		return latency{}, fmt.Errorf("latency %v: it must be more than zero", mean)
	}
	if jitter < 0 || jitter > mean {
		return latency{}, fmt.Errorf("jitter %v: it must be between 0 and the latency (%v)", jitter, mean)
	}
	return latency{mean: mean, jitter: jitter}, nil
}

// draw returns the latency of one request.
func (l latency) draw() time.Duration {
	if l.jitter == 0 {
		return l.mean
	}
	return l.mean - l.jitter + rand.N(2*l.jitter+1)
}

// wait returns once the latency of a request that arrived at start has
// passed: the time spent serving it counts towards its latency.
func (l latency) wait(start time.Time) {
	if d := l.draw() - time.Since(start); d > 0 {
		time.Sleep(d)
	}
}
