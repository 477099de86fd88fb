package main

import "testing"

func TestParseThreadCount(t *testing.T) {
	t.Parallel()
	status := []byte("Name:\taiobench\nState:\tS (sleeping)\nThreads:\t12\nSigQ:\t0/95000\n")
	if n, err := parseThreadCount(status); n != 12 || err != nil {
		t.Errorf("parseThreadCount = %d, %v; want 12", n, err)
	}
	if _, err := parseThreadCount([]byte("Name:\tx\n")); err == nil {
		t.Error("a status without Threads: gave no error")
	}
}

func TestThreadSamplerSeesThisProcess(t *testing.T) {
	t.Parallel()
	s := startThreadSampler("/proc/self/status")
	if peak := s.finish(); peak < 1 {
		t.Errorf("peak = %d threads, want at least 1", peak)
	}
	gone := startThreadSampler("/proc/0/status")
	if peak := gone.finish(); peak != 0 {
		t.Errorf("peak of a missing process = %d, want 0", peak)
	}
}
