package main

import "testing"

func TestRandomOffsetsAreAlignedAndInRange(t *testing.T) {
	t.Parallel()
	w, err := newWorkload("randread", 4096, 1<<20+100, 50)
	if err != nil {
		t.Fatal(err)
	}
	s := w.newStream(1)
	seen := map[int64]bool{}
	for range 10000 {
		off, write := s.next()
		if write {
			t.Fatal("randread wrote")
		}
		if off%4096 != 0 || off < 0 || off+4096 > 1<<20 {
			t.Fatalf("offset %d is unaligned or past the region", off)
		}
		seen[off] = true
	}
	if len(seen) != 256 {
		t.Errorf("10000 random reads touched %d of 256 blocks", len(seen))
	}
}

func TestSequentialStreamsShareOneCursor(t *testing.T) {
	t.Parallel()
	w, err := newWorkload("write", 512, 4*512, 50)
	if err != nil {
		t.Fatal(err)
	}
	a, b := w.newStream(1), w.newStream(2)
	var offsets []int64
	for i := range 6 {
		s := a
		if i%2 == 1 {
			s = b
		}
		off, write := s.next()
		if !write {
			t.Fatal("write read")
		}
		offsets = append(offsets, off)
	}
	want := []int64{0, 512, 1024, 1536, 0, 512}
	for i := range want {
		if offsets[i] != want[i] {
			t.Fatalf("offsets = %v, want %v", offsets, want)
		}
	}
}

func TestReadMix(t *testing.T) {
	t.Parallel()
	w, err := newWorkload("randrw", 4096, 1<<20, 70)
	if err != nil {
		t.Fatal(err)
	}
	s := w.newStream(7)
	reads := 0
	const n = 100000
	for range n {
		if _, write := s.next(); !write {
			reads++
		}
	}
	if reads < n*68/100 || reads > n*72/100 {
		t.Errorf("%d of %d I/Os read, want about 70%%", reads, n)
	}
	if !w.writes() {
		t.Error("a mixed workload must open the target for writing")
	}
}

func TestWorkloadRejects(t *testing.T) {
	t.Parallel()
	if _, err := newWorkload("trim", 4096, 1<<20, 50); err == nil {
		t.Error("unknown pattern accepted")
	}
	if _, err := newWorkload("read", 4096, 4095, 50); err == nil {
		t.Error("region smaller than a block accepted")
	}
}
