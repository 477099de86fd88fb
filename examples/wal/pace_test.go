package wal

import (
	"context"
	"testing"
	"time"
)

// logAt is a log's end that a test moves.
type logAt struct{ end int64 }

func (l *logAt) logEnd() int64 { return l.end }

func TestPacerWait(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name          string
		end           int64 // the log's end now; it began the round at 0
		writing       time.Duration
		written, left int64
		want          func(wait, busy time.Duration) bool
		wantText      string
	}{
		{"the log is idle", 0, 5 * time.Millisecond, 8 * mib, 24 * mib,
			func(w, b time.Duration) bool { return w == b }, "as long as the writing"},
		{"the log is slow", 1 * mib, 5 * time.Millisecond, 8 * mib, 24 * mib,
			func(w, b time.Duration) bool { return w == b }, "as long as the writing"},
		// 22 MiB of room at 10 MiB per 10 ms is 22 ms; the rest of the
		// round writes for 15 ms: 7 ms to spread over it, about half of
		// each quantum.
		{"the log leaves a little time", 10 * mib, 5 * time.Millisecond, 8 * mib, 24 * mib,
			func(w, b time.Duration) bool { return w > b/4 && w < 3*b/4 }, "about half the writing"},
		{"the log leaves no time", 24 * mib, 5 * time.Millisecond, 8 * mib, 24 * mib,
			func(w, b time.Duration) bool { return w == 0 }, "no wait"},
		{"the log is close", 32 * mib, 0, 8 * mib, 24 * mib,
			func(w, b time.Duration) bool { return w == 0 }, "no wait"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Zeroes are durable up to 48 MiB, so a quarter of the
			// preallocation ahead of the log leaves room up to 32 MiB.
			// The round began 10 ms ago.
			log := &logAt{}
			pc := newPacer(context.Background(), newPreallocator(nil, 4096, 64<<20, 48*mib, nil, log.logEnd, func() {}))
			pc.start = time.Now().Add(-10 * time.Millisecond)
			log.end = tc.end
			pc.writing, pc.busy = tc.writing, pacingQuantum
			if w := pc.wait(tc.written, tc.left); !tc.want(w, pc.busy) {
				t.Errorf("wait after %v of writing = %v, want %s", pc.busy, w, tc.wantText)
			}
		})
	}
}

// chunkStorage records the sizes and offsets of the writes made to it.
type chunkStorage struct {
	sizes   []int
	offsets []int64
	syncs   int
}

func (s *chunkStorage) ReadAt(p []byte, off int64) (int, error) { return 0, nil }

func (s *chunkStorage) writeAt(_ context.Context, p []byte, off int64) error {
	s.sizes, s.offsets = append(s.sizes, len(p)), append(s.offsets, off)
	return nil
}

func (s *chunkStorage) datasync(context.Context) error { s.syncs++; return nil }

func TestPacedRound(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name  string
		end   int64 // where the log ends: zeroes are durable up to 32 MiB
		paced bool  // false for the round of Open
		chunk int
	}{
		{"far behind", 1 * mib, true, pacedChunk},
		{"close", 24 * mib, true, zeroChunk},
		{"far behind, at Open", 1 * mib, false, zeroChunk},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, log := &chunkStorage{}, &logAt{tc.end}
			p := newPreallocator(st, 4096, 64<<20, 32*mib, make([]byte, zeroChunk), log.logEnd, func() {})
			p.need(tc.end)
			if err := p.grow(context.Background(), tc.paced); err != nil {
				t.Fatal(err)
			}
			from, to := int64(32*mib), alignUp(tc.end+64*mib, 4096)
			off := from
			for i, n := range st.sizes {
				if st.offsets[i] != off {
					t.Fatalf("write %d at %d, want %d: the zeroes have a gap or overlap", i, st.offsets[i], off)
				}
				if n != tc.chunk && off+int64(n) != to {
					t.Errorf("write %d of %d bytes, want %d", i, n, tc.chunk)
				}
				off += int64(n)
			}
			if off != to || p.ready.Load() != to {
				t.Errorf("zeroed up to %d, ready at %d, want both at %d", off, p.ready.Load(), to)
			}
			if st.syncs != 1 {
				t.Errorf("%d fdatasyncs, want 1, after the last write", st.syncs)
			}
		})
	}
}
