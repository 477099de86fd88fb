package main

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
)

// accessPatterns lists the values of -rw, with fio's names and meanings.
var accessPatterns = []string{"read", "write", "randread", "randwrite", "randrw"}

// A workload says where each I/O of a run goes and whether it reads or writes.
type workload struct {
	pattern     string // one of accessPatterns
	blockSize   int
	blocks      int64 // the region is blocks × blockSize bytes from offset 0
	readPercent int   // share of reads, 0–100

	// cursor is the next block of a sequential pattern, shared by all the
	// issuers of a run so that together they sweep the region in order.
	cursor atomic.Int64
}

// newWorkload checks the pattern and derives the share of reads from it;
// readMix (the -rwmix flag) applies to randrw only.
func newWorkload(pattern string, blockSize int, regionSize int64, readMix int) (*workload, error) {
	w := &workload{pattern: pattern, blockSize: blockSize, blocks: regionSize / int64(blockSize)}
	switch pattern {
	case "read", "randread":
		w.readPercent = 100
	case "write", "randwrite":
		w.readPercent = 0
	case "randrw":
		w.readPercent = readMix
	default:
		return nil, fmt.Errorf("unknown -rw %q: want one of %v", pattern, accessPatterns)
	}
	if w.blocks < 1 {
		return nil, fmt.Errorf("the region (%d bytes) is smaller than one block (%d bytes)", regionSize, blockSize)
	}
	return w, nil
}

// random reports whether offsets are drawn at random rather than in order.
func (w *workload) random() bool {
	return w.pattern == "randread" || w.pattern == "randwrite" || w.pattern == "randrw"
}

// writes reports whether any I/O of the workload writes, so the target must
// be opened for writing.
func (w *workload) writes() bool { return w.readPercent < 100 }

// reads reports whether any I/O of the workload reads.
func (w *workload) reads() bool { return w.readPercent > 0 }

// mixed reports whether the pattern mixes reads and writes, so that reports
// show each direction as well as both together, as fio does.
func (w *workload) mixed() bool { return w.pattern == "randrw" }

// newStream returns the sequence of I/Os of one issuer. Streams with
// different seeds draw different random offsets.
func (w *workload) newStream(seed uint64) *ioStream {
	return &ioStream{w: w, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

// An ioStream hands one issuer (a goroutine, or one slot of a batch) the
// offset and direction of each of its I/Os. It is not safe for concurrent use.
type ioStream struct {
	w   *workload
	rng *rand.Rand
}

// next returns the byte offset of the next I/O and whether it writes.
func (s *ioStream) next() (offset int64, write bool) {
	w := s.w
	var block int64
	if w.random() {
		block = s.rng.Int64N(w.blocks)
	} else {
		block = (w.cursor.Add(1) - 1) % w.blocks
	}
	switch w.readPercent {
	case 100:
		write = false
	case 0:
		write = true
	default:
		write = s.rng.IntN(100) >= w.readPercent
	}
	return block * int64(w.blockSize), write
}
