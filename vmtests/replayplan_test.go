package vmtests

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/linuxaio/aio/vmtests/internal/crashlog"
)

func counts(n ...int) []int {
	c := make([]int, crashlog.Writers)
	copy(c, n)
	return c
}

// TestPlanReplay checks which records each crash state must hold: those of
// every mark before the next flush, so that a record acknowledged before
// its flush completed is required of the disk the flush before left.
func TestPlanReplay(t *testing.T) {
	w := writeLogEntry{sectors: 8}
	f := writeLogEntry{flags: logFlush}
	for _, tc := range []struct {
		name    string
		entries []writeLogEntry
		marks   []markAt
		want    []replayPoint
	}{{
		name:    "acknowledged after its flush",
		entries: []writeLogEntry{w, f, w /* mark */, w, f, w /* mark */, f},
		marks:   []markAt{{2, counts(1)}, {5, counts(2, 1)}},
		want:    []replayPoint{{-1, counts()}, {1, counts(1)}, {4, counts(2, 1)}, {6, counts(2, 1)}},
	}, {
		// The record's write is in the log before the mark, but no flush
		// came between: a power cut after the mark leaves the disk as it
		// began, which must then hold the record.
		name:    "acknowledged before any flush",
		entries: []writeLogEntry{w, w /* mark */, f},
		marks:   []markAt{{1, counts(1)}},
		want:    []replayPoint{{-1, counts(1)}, {2, counts(1)}},
	}, {
		name:    "no flush",
		entries: []writeLogEntry{w, w},
		marks:   []markAt{{1, counts(0, 3)}},
		want:    []replayPoint{{-1, counts(0, 3)}},
	}, {
		name:    "no mark",
		entries: []writeLogEntry{w, f},
		want:    []replayPoint{{-1, counts()}, {1, counts()}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := planReplay(tc.entries, tc.marks); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("planReplay = %v, want %v", got, tc.want)
			}
		})
	}
	points := make([]replayPoint, 10)
	for i := range points {
		points[i].entry = i
	}
	var got []int
	for _, p := range spread(points, 4) {
		got = append(got, p.entry)
	}
	if !reflect.DeepEqual(got, []int{0, 3, 6, 9}) {
		t.Errorf("spread of 10 points to 4 = %v, want [0 3 6 9]", got)
	}
	if len(spread(points, 20)) != 10 {
		t.Errorf("spread of 10 points to 20 did not give all 10")
	}
}

// TestReadWriteLog reads a write log in dm-log-writes' format, and the
// mark in one of its writes, and refuses one that is not.
func TestReadWriteLog(t *testing.T) {
	const ss = 512
	sector := func(fields ...uint64) []byte {
		b := make([]byte, ss)
		for i, v := range fields {
			binary.LittleEndian.PutUint64(b[8*i:], v)
		}
		return b
	}
	super := sector(writeLogMagic, writeLogVersion, 3)
	binary.LittleEndian.PutUint32(super[24:], ss)
	mark := make([]byte, crashlog.MarkSize)
	crashlog.PutMark(mark, 1, counts(4, 0, 2))
	var b []byte
	b = append(b, super...)
	b = append(b, sector(100, 2, 0, 0)...) // a write of two sectors at 100
	b = append(b, make([]byte, ss)...)
	b = append(b, mark...)
	b = append(b, sector(0, 0, logFlush, 0)...)
	b = append(b, sector(8, 16, logDiscard, 0)...) // no data follows a discard
	b = append(b, sector(1, 1, 0, 0)...)           // past nr_entries: after the last flush
	path := filepath.Join(t.TempDir(), "wlog")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, gotSS, err := readWriteLog(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []writeLogEntry{
		{sector: 100, sectors: 2, data: 2 * ss},
		{flags: logFlush, data: 5 * ss},
		{sector: 8, sectors: 16, flags: logDiscard, data: 6 * ss},
	}
	if gotSS != ss || !reflect.DeepEqual(entries, want) {
		t.Fatalf("readWriteLog = %+v, %d; want %+v, %d", entries, gotSS, want, ss)
	}
	marks, err := findMarks(f, entries, ss)
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) != 1 || marks[0].entry != 0 || !reflect.DeepEqual(marks[0].acked, counts(4, 0, 2)) {
		t.Fatalf("findMarks = %+v, want one mark of entry 0 counting 4, 0, 2", marks)
	}

	mark[20] ^= 1 // a mark that does not check is none
	if _, _, ok := crashlog.ParseMark(mark); ok {
		t.Error("ParseMark took a mark with a flipped bit")
	}
	binary.LittleEndian.PutUint64(b, 0x1234)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readWriteLog(f); err == nil || !strings.Contains(err.Error(), "not a dm-log-writes log") {
		t.Errorf("readWriteLog of a log with a bad magic: %v", err)
	}
}
