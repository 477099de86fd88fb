package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestStreamEngineRuns runs aio-stream reading and writing: it moves whole
// sweeps of the region, and writes what it says.
func TestStreamEngineRuns(t *testing.T) {
	tgt := directIOFile(t)
	for _, pattern := range []string{"read", "write"} {
		t.Run(pattern, func(t *testing.T) {
			w, err := newWorkload(pattern, 4096, tgt.Size, 0)
			if err != nil {
				t.Fatal(err)
			}
			j := job{engine: "aio-stream", path: tgt.Path, workload: w, queueDepth: 4, runtime: 200 * time.Millisecond}
			res, err := measureGoEngine(context.Background(), j, progressOutput{})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, "aio-stream", 4)
			if pattern == "write" {
				data, err := os.ReadFile(tgt.Path)
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(data)) != tgt.Size {
					t.Fatalf("after writing, the target has %d bytes; want %d", len(data), tgt.Size)
				}
				want := make([]byte, 4096)
				for i := range want {
					want[i] = byte(i*7 + 1)
				}
				if !bytes.Equal(data[:len(want)], want) {
					t.Error("the target's first chunk is not what aio-stream writes")
				}
			}
		})
	}
	w, err := newWorkload("randread", 4096, tgt.Size, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = measureGoEngine(context.Background(), job{engine: "aio-stream", path: tgt.Path, workload: w, queueDepth: 4, runtime: time.Millisecond}, progressOutput{})
	if err == nil || !strings.Contains(err.Error(), "-rw read or -rw write") {
		t.Errorf("aio-stream with -rw randread: %v; want an error naming the patterns it runs", err)
	}
}
