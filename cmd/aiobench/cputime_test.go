package main

import (
	"testing"
	"time"
)

func TestParseMachineCPUTime(t *testing.T) {
	t.Parallel()
	stat := []byte("cpu  100 5 50 9000 20 3 2 7 0 0\ncpu0 50 2 25 4500 10 1 1 3 0 0\nintr 1 2\n")
	// user + nice + system + irq + softirq: 100+5+50+3+2 ticks.
	if got, err := parseMachineCPUTime(stat); err != nil || got != 160*time.Second/userHZ {
		t.Errorf("parseMachineCPUTime = %v, %v; want %v", got, err, 160*time.Second/userHZ)
	}
	for _, bad := range []string{"cpu0 1 2 3 4 5 6 7\n", "cpu  1 2 x 4 5 6 7 8\n", ""} {
		if _, err := parseMachineCPUTime([]byte(bad)); err == nil {
			t.Errorf("parseMachineCPUTime(%q) gave no error", bad)
		}
	}
	if got, err := machineCPUTime(); err != nil || got <= 0 {
		t.Errorf("machineCPUTime = %v, %v; want this machine's busy time", got, err)
	}
}
