package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// threadSampleInterval is how often a threadSampler looks. Threads that the
// Go runtime starts stay for the life of the process, so a short spike is
// still seen at the next sample.
const threadSampleInterval = 10 * time.Millisecond

// A threadSampler follows the number of OS threads of one process while a
// run goes on and keeps the largest it saw.
type threadSampler struct {
	statusPath string
	peak       atomic.Int64
	stop       chan struct{}
	done       chan struct{}
}

// startThreadSampler starts sampling the process whose /proc status file is
// statusPath, such as /proc/self/status.
func startThreadSampler(statusPath string) *threadSampler {
	s := &threadSampler{statusPath: statusPath, stop: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	go s.loop()
	return s
}

// startSelfThreadSampler starts following this process's own threads. The
// Go runtime keeps every OS thread it starts until the process exits (but
// for one that a goroutine leaves locked, which no engine does), so the
// count at the end is the peak: it samples at the start and at finish
// only. Sampling every 10 ms would charge its own system calls to the run:
// 5% of the goroutine engine's CPU at 1024 in flight.
func startSelfThreadSampler() *threadSampler {
	s := &threadSampler{statusPath: "/proc/self/status", stop: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	close(s.done)
	return s
}

func (s *threadSampler) loop() {
	defer close(s.done)
	ticker := time.NewTicker(threadSampleInterval)
	defer ticker.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ticker.C:
			s.sample()
		}
	}
}

// sample reads the thread count once. A process that has exited has no
// status file; it is skipped, not an error.
func (s *threadSampler) sample() {
	if n, err := readThreadCount(s.statusPath); err == nil && int64(n) > s.peak.Load() {
		s.peak.Store(int64(n))
	}
}

// finish stops sampling, takes one last sample and returns the peak.
func (s *threadSampler) finish() int {
	close(s.stop)
	<-s.done
	s.sample()
	return int(s.peak.Load())
}

// readThreadCount returns the Threads: field of a /proc/PID/status file.
func readThreadCount(statusPath string) (int, error) {
	data, err := os.ReadFile(statusPath)
	if err != nil {
		return 0, err
	}
	return parseThreadCount(data)
}

// parseThreadCount finds the Threads: line in the text of a status file.
func parseThreadCount(status []byte) (int, error) {
	for line := range bytes.Lines(status) {
		if value, ok := bytes.CutPrefix(line, []byte("Threads:")); ok {
			return strconv.Atoi(string(bytes.TrimSpace(value)))
		}
	}
	return 0, fmt.Errorf("no Threads: line in the process status")
}
