package wal_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/linuxaio/aio/examples/wal"
)

// The layout of a new test log (see format.go): the header block, then the
// first session's mark, then the records, each after an 8-byte frame.
const (
	firstRecord = 4096 + 8 + 16
	frame       = 8
)

// writeLog appends records 1 to n of up to max bytes to a new log at path
// and returns the file offset where each record ends.
func writeLog(t *testing.T, path string, n int, max int) []int64 {
	t.Helper()
	l, err := wal.Open(path, smallLog())
	if err != nil {
		t.Fatal(err)
	}
	ends := []int64{firstRecord}
	for i := 1; i <= n; i++ {
		rec := record(uint64(i), max)
		if _, err := l.Append(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, ends[i-1]+frame+int64(len(rec)))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return ends
}

// TestTornTail cuts the file at random offsets, as a crash in the middle
// of growing it would: the log recovers the records wholly before the cut.
func TestTornTail(t *testing.T) {
	dir := testDir(t)
	path := filepath.Join(dir, "log")
	const n, max = 50, 3000
	ends := writeLog(t, path, n, max)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		cut := firstRecord + rng.Int64N(ends[n]-firstRecord)
		want := 0
		for want < n && ends[want+1] <= cut {
			want++
		}
		torn := filepath.Join(dir, "torn")
		if err := os.WriteFile(torn, orig[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		for _, k := range kinds {
			l, err := k.open(torn, smallLog())
			if err != nil {
				t.Fatalf("%s: open cut at %d: %v", k.name, cut, err)
			}
			checkReplay(t, l, uint64(want), max)
			l.Close()
			if err := os.WriteFile(torn, orig[:cut], 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestCorruptRecord damages one byte of one record: recovery ends before
// it, and what comes after it is never taken back into the log, even once
// new records are appended over the damaged one.
func TestCorruptRecord(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			path := filepath.Join(testDir(t), "log")
			const n, max = 100, 500
			ends := writeLog(t, path, n, max)
			const bad = 60
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			off := ends[bad-1] + 3 // in the frame's checksum
			var b [1]byte
			if _, err := f.ReadAt(b[:], off); err != nil {
				t.Fatal(err)
			}
			b[0] ^= 0x10
			if _, err := f.WriteAt(b[:], off); err != nil {
				t.Fatal(err)
			}
			f.Close()

			l, err := k.open(path, smallLog())
			if err != nil {
				t.Fatal(err)
			}
			checkReplay(t, l, bad-1, max)
			for i := uint64(bad); i < bad+5; i++ {
				if seq, err := l.Append(context.Background(), record(i, max)); err != nil || seq != i {
					t.Fatalf("Append = %d, %v; want %d", seq, err, i)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l, err = k.open(path, smallLog())
			if err != nil {
				t.Fatal(err)
			}
			checkReplay(t, l, bad+4, max)
			l.Close()
		})
	}
}

// TestNotALog opens files that are not logs: each gives ErrCorrupt, and the
// file is left as it was.
func TestNotALog(t *testing.T) {
	dir := testDir(t)
	good := filepath.Join(dir, "good")
	writeLog(t, good, 3, 100)
	orig, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	damaged := func(i int) []byte {
		b := append([]byte(nil), orig...)
		b[i] ^= 1
		return b
	}
	cases := map[string][]byte{
		"text":          []byte("this is not a log, and it is long enough to hold a header\n"),
		"short":         orig[:10],
		"magic":         damaged(2),
		"header crc":    damaged(17),
		"block size":    damaged(9),
		"zeroed header": append(make([]byte, 4096), orig[4096:]...),
	}
	for name, content := range cases {
		for _, k := range kinds {
			path := filepath.Join(dir, "bad")
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := k.open(path, nil)
			if !errors.Is(err, wal.ErrCorrupt) {
				t.Errorf("%s, %s: Open = %v, want ErrCorrupt", name, k.name, err)
			}
			if l != nil {
				l.Close()
			}
			if after, _ := os.ReadFile(path); string(after) != string(content) {
				t.Errorf("%s, %s: a failed Open changed the file", name, k.name)
			}
		}
	}
}

func TestBadOptions(t *testing.T) {
	dir := testDir(t)
	for _, o := range []wal.Options{
		{BlockSize: 1000},
		{BlockSize: 256},
		{BlockSize: 2 << 20},
		{MaxRecordSize: -1},
		{MaxRecordSize: 1 << 30},
		{MaxInFlight: -1},
		{Preallocate: -1},
	} {
		for _, k := range kinds {
			path := filepath.Join(dir, "log")
			if _, err := k.open(path, &o); err == nil {
				t.Errorf("%s: Open with %+v succeeded", k.name, o)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("%s: Open with %+v left a file (%v)", k.name, o, err)
			}
		}
	}
	path := filepath.Join(dir, "log")
	writeLog(t, path, 1, 10)
	if _, err := wal.Open(path, &wal.Options{BlockSize: 8192}); err == nil {
		t.Error("Open of a log of 4 KiB blocks with BlockSize 8192 succeeded")
	}
}

// TestSnapshotWhileAppending copies the file at random moments while
// writers append, which is what a crash leaves: every record acknowledged
// before the copy began is in the copy, intact.
func TestSnapshotWhileAppending(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			dir := testDir(t)
			path := filepath.Join(dir, "log")
			opts := smallLog()
			l, err := k.open(path, opts)
			if err != nil {
				t.Fatal(err)
			}
			const writers = 16
			var (
				acked [writers]atomic.Int64 // records of each writer acknowledged
				stop  atomic.Bool
				wg    sync.WaitGroup
			)
			for w := range writers {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(w), 7))
					for i := 0; !stop.Load(); i++ {
						if _, err := l.Append(context.Background(), tagged(w, i, rng.IntN(3000))); err != nil {
							t.Error(err)
							return
						}
						acked[w].Store(int64(i + 1))
					}
				})
			}
			for i := range 5 {
				var floor [writers]int64
				for w := range floor {
					floor[w] = acked[w].Load()
				}
				snap := filepath.Join(dir, "snap")
				copyFile(t, path, snap)
				s, err := k.open(snap, opts)
				if err != nil {
					t.Fatalf("snapshot %d: %v", i, err)
				}
				var have [writers]int64
				err = s.Replay(func(seq uint64, rec []byte) error {
					w, n, err := untag(rec)
					if err != nil {
						return fmt.Errorf("record %d: %w", seq, err)
					}
					if w >= writers || int64(n) != have[w] {
						return fmt.Errorf("record %d is writer %d's record %d, after its %d", seq, w, n, have[w])
					}
					have[w]++
					return nil
				})
				if err != nil {
					t.Errorf("snapshot %d: %v", i, err)
				}
				for w := range floor {
					if have[w] < floor[w] {
						t.Errorf("snapshot %d has %d records of writer %d, but %d were acknowledged before it was taken", i, have[w], w, floor[w])
					}
				}
				s.Close()
				os.Remove(snap)
			}
			stop.Store(true)
			wg.Wait()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// tagged returns a record of size bytes (at least 12) that names its writer
// and number and carries a checksum of itself.
func tagged(writer, n, size int) []byte {
	b := make([]byte, max(12, size))
	binary.LittleEndian.PutUint32(b, uint32(writer))
	binary.LittleEndian.PutUint32(b[4:], uint32(n))
	for i := 12; i < len(b); i++ {
		b[i] = byte(i*7 + n)
	}
	binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:])^crc32.ChecksumIEEE(b[:8]))
	return b
}

// untag checks a record of tagged and returns its writer and number.
func untag(b []byte) (writer, n int, err error) {
	if len(b) < 12 {
		return 0, 0, fmt.Errorf("%d bytes, too short", len(b))
	}
	if binary.LittleEndian.Uint32(b[8:]) != crc32.ChecksumIEEE(b[12:])^crc32.ChecksumIEEE(b[:8]) {
		return 0, 0, errors.New("its checksum does not match")
	}
	return int(binary.LittleEndian.Uint32(b)), int(binary.LittleEndian.Uint32(b[4:])), nil
}

// copyFile copies the file from to the file to, reading it as it is.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
}
