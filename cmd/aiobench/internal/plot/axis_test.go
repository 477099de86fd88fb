package plot

import (
	"math"
	"slices"
	"testing"
)

func TestLogTicksLabels(t *testing.T) {
	t.Parallel()
	labels := func(low, high float64) []string {
		var l []string
		for _, tick := range (logTicks{}).Ticks(low, high) {
			if tick.Label != "" && low <= tick.Value && tick.Value <= high {
				l = append(l, tick.Label)
			}
		}
		return l
	}
	if got, want := labels(60, 400), []string{"100", "200"}; !slices.Equal(got, want) {
		t.Errorf("labels from 60 to 400 = %q, want %q: a narrow range gets its 2s and 5s", got, want)
	}
	if got, want := labels(3, 2_000_000), []string{"10", "100", "1000", "10000", "100000", "1000000"}; !slices.Equal(got, want) {
		t.Errorf("labels from 3 to 2000000 = %q, want %q: powers of ten, in plain numbers", got, want)
	}
}

func TestRoundDownLog(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    float64
		wide bool
		want float64
	}{
		{1.44, true, 1}, {60, true, 10}, {1000, true, 1000}, {0.3, true, 0.1},
		{60, false, 50}, {48, false, 20}, {19.9, false, 10}, {1000, false, 1000}, {0.3, false, 0.2},
	} {
		if got := roundDownLog(tc.v, tc.wide); math.Abs(got-tc.want) > 1e-9*tc.want {
			t.Errorf("roundDownLog(%v, %v) = %v, want %v", tc.v, tc.wide, got, tc.want)
		}
	}
}

func TestQueueDepthTicksLabelEachDepth(t *testing.T) {
	t.Parallel()
	ticks := queueDepthTicks([]float64{1, 32, 128})
	var labels []string
	for _, tick := range ticks.Ticks(0, 1000) {
		labels = append(labels, tick.Label)
	}
	if want := []string{"1", "32", "128"}; !slices.Equal(labels, want) {
		t.Errorf("queue depth labels = %q, want %q", labels, want)
	}
}
