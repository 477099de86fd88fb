package main

import (
	"runtime"
	"sync"
	"testing"
)

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

// TestSelfThreadSamplerSeesNewThreads checks that the sampler of this
// process, which looks only at the start and the end, counts the threads
// started in between: goroutines locked to their threads make the runtime
// start more, which it then keeps.
func TestSelfThreadSamplerSeesNewThreads(t *testing.T) {
	before, err := readThreadCount("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	s := startSelfThreadSampler()
	// Each locked goroutine owns a thread while it waits: more of them
	// than the process had threads needs threads it did not have.
	locked := before + 4
	var started, release sync.WaitGroup
	started.Add(locked)
	release.Add(1)
	for range locked {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			started.Done()
			release.Wait()
		}()
	}
	started.Wait()
	release.Done()
	if peak := s.finish(); peak < locked {
		t.Errorf("peak = %d threads, with %d before and %d goroutines locked to threads at once since", peak, before, locked)
	}
}
