//go:build pebblecrash

// Package vmcrash is the guest half of the VM crash test of pebblevfs
// (vmtests/pebblecrash_test.go): on each boot it opens a Pebble DB on the
// FS on the guest's ext4 disk, checks every batch in it and reports what it
// found, then commits batches with Sync from many goroutines and reports
// each acknowledged one, until the host kills the VM. Its reports are those
// of the log's crash test (vmtests/internal/crashlog), which the host reads
// the same way: the JSON of recovered.json has that package's Recovery
// fields, and acks has a line "writer counter" per acknowledged batch.
//
// In the replay run it commits for replayTime, writing after each batch of
// acknowledgements a mark of what was acknowledged to the ext4 disk, in
// crashlog's format (mark.go), then closes the DB; the host replays the
// disk's writes to flush points and runs this binary on each (see TestMain),
// which opens the DB there and prints what it found.
//
// It is built with the tag pebblecrash, by the host, and TestCrash runs
// only in the VM.
package vmcrash

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/contrib/pebblevfs"
	"golang.org/x/sys/unix"
)

// What the guest shares with the host: the directories, the kernel command
// line parameter that gives the boot's mode, the report files and the
// number of writers, as in vmtests/internal/crashlog and testvm.
const (
	sharedDir     = "/mount/9p/gotestdata"
	ext4Mount     = "/mnt/aio-ext4"
	modeParam     = "aio.crash"
	modeRecover   = "recover"
	modeReplay    = "replay"
	markFile      = "acks.mark"
	markSize      = 512
	recoveredFile = "recovered.json"
	appendingFile = "appending"
	acksFile      = "acks"
	writers       = 24
)

// replayTime is how long the guest commits in the replay run, as
// crashlog.ReplayAppendTime.
const replayTime = 3 * time.Second

// keysPerBatch is the keys of each batch; a batch counts as there only if
// all are, with their values.
const keysPerBatch = 3

// maxDB is the size past which a boot removes the DB once it has checked
// it, so that the 64 MiB disk never fills.
const maxDB = 20 << 20

// recovery is crashlog.Recovery: what a boot found in the DB.
type recovery struct {
	LastSeq   uint64
	Records   int   // batches found
	PerWriter []int // batches of each writer, which must be its counters 0 to n-1
	Bad       int   // batches partly there, with other values, or after a gap
	Problem   string
	Reset     bool
}

func batchKey(w, c, k int) []byte { return fmt.Appendf(nil, "w%02d-%08d-%d", w, c, k) }

// batchValue is the value of key k of batch c of writer w: between 10 and
// about 3,000 bytes derived from them.
func batchValue(w, c, k int) []byte {
	rng := rand.New(rand.NewPCG(uint64(w)<<32|uint64(c), uint64(k)))
	v := make([]byte, 10+rng.IntN(300))
	if rng.IntN(8) == 0 {
		v = make([]byte, 10+rng.IntN(3000))
	}
	for i := range v {
		v[i] = byte(rng.Uint32())
	}
	return v
}

func options(fs *pebblevfs.FS) *pebble.Options {
	return &pebble.Options{FS: fs, MemTableSize: 1 << 20, Logger: quietLogger{}}
}

// TestCrash is the guest's whole part.
func TestCrash(t *testing.T) {
	if os.Getenv("VMTEST_IN_GUEST") == "" {
		t.Skip("the guest of vmtests' TestPebbleCrash, which boots it in a VM")
	}
	dir := filepath.Join(ext4Mount, "pebble")
	fs, err := pebblevfs.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	db, err := pebble.Open(dir, options(fs))
	if err != nil {
		t.Fatal(err)
	}
	r := check(db)
	if size := dirSize(dir); size > maxDB {
		r.Reset = true
	}
	if r.Bad > 0 {
		t.Errorf("%d bad batches; the first: %s", r.Bad, r.Problem)
	}
	writeJSON(t, filepath.Join(sharedDir, recoveredFile), r)
	if r.Reset {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if db, err = pebble.Open(dir, options(fs)); err != nil {
			t.Fatal(err)
		}
		clear(r.PerWriter)
	}
	mode := bootMode()
	if mode == modeRecover {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	var marks *marker
	if mode == modeReplay {
		if marks, err = newMarker(filepath.Join(ext4Mount, markFile)); err != nil {
			t.Fatal(err)
		}
		defer marks.f.Close()
	}

	acks, err := os.Create(filepath.Join(sharedDir, acksFile))
	if err != nil {
		t.Fatal(err)
	}
	defer acks.Close()
	if err := os.WriteFile(filepath.Join(sharedDir, appendingFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	acked := make(chan [2]int, 1024)
	var failed, stop atomic.Bool
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for c := r.PerWriter[w]; !stop.Load(); c++ {
				b := db.NewBatch()
				for k := range keysPerBatch {
					b.Set(batchKey(w, c, k), batchValue(w, c, k), nil)
				}
				if err := b.Commit(pebble.Sync); err != nil {
					failed.Store(true)
					t.Errorf("writer %d: %v", w, err)
					return
				}
				b.Close()
				acked <- [2]int{w, c}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	// The host kills the VM; in the replay run the writers stop after
	// replayTime.
	deadline := time.After(2 * time.Minute)
	var stopAt <-chan time.Time
	if marks != nil {
		stopAt = time.After(replayTime)
	}
	counts := slices.Clone(r.PerWriter)
	var line strings.Builder
	take := func(a [2]int) {
		fmt.Fprintf(&line, "%d %d\n", a[0], a[1])
		counts[a[0]] = a[1] + 1
	}
	for finished := false; !finished && !failed.Load(); {
		line.Reset()
		select {
		case a := <-acked:
			take(a)
		case <-stopAt:
			stop.Store(true)
			stopAt = nil
			continue
		case <-done:
			finished = true
		case <-deadline:
			t.Fatal("the host did not stop the VM within 2 minutes of committing")
		}
		for more := true; more; {
			select {
			case a := <-acked:
				take(a)
			default:
				more = false
			}
		}
		// Each report is written after its Commit returned, and a mark
		// goes to the disk after the reports it counts.
		if _, err := acks.WriteString(line.String()); err != nil {
			t.Fatal(err)
		}
		if marks != nil && line.Len() > 0 {
			if err := marks.write(counts); err != nil {
				t.Fatal(err)
			}
		}
	}
	if failed.Load() {
		return
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMain is, with $PEBBLEVFS_RECOVER_DIR set, the host's recovery of a
// replayed image in the replay run: it opens the DB there, checks it, prints
// what it found as one line of JSON, and runs no test.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PEBBLEVFS_RECOVER_DIR"); dir != "" {
		if err := recoverOnHost(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func recoverOnHost(dir string) error {
	fs, err := pebblevfs.New(nil)
	if err != nil {
		return err
	}
	defer fs.Close()
	db, err := pebble.Open(dir, options(fs))
	if err != nil {
		return err
	}
	b, err := json.Marshal(check(db))
	if err != nil {
		return err
	}
	fmt.Printf("%s\n", b)
	return db.Close()
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// A marker writes the replay run's marks (crashlog's mark.go), each over
// the last, with O_DIRECT, so that each is a write of its own to the disk
// when it returns.
type marker struct {
	f   *os.File
	buf []byte
	seq uint64
}

// newMarker creates the mark file at path, allocated and written, so that a
// mark needs no change to the file system's metadata, and opens it for
// direct writes.
func newMarker(path string) (*marker, error) {
	if err := os.WriteFile(path, make([]byte, markSize), 0o644); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_DIRECT, 0)
	if err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return &marker{f: f, buf: aio.AlignedBytes(markSize)}, nil
}

// write writes the next mark: the magic "aio-mark", the mark's number, how
// many batches of each writer were acknowledged, and a CRC-32C of those,
// all little-endian.
func (m *marker) write(acked []int) error {
	m.seq++
	b := m.buf
	clear(b)
	copy(b, "aio-mark")
	binary.LittleEndian.PutUint64(b[8:], m.seq)
	for w, n := range acked {
		binary.LittleEndian.PutUint64(b[16+8*w:], uint64(n))
	}
	end := 16 + 8*writers
	binary.LittleEndian.PutUint32(b[end:], crc32.Checksum(b[:end], castagnoli))
	_, err := m.f.WriteAt(b, 0)
	return err
}

// check reads every writer's batches from counter 0 until one is missing,
// checking each, and then that no batch of the writer follows the gap.
func check(db *pebble.DB) recovery {
	r := recovery{PerWriter: make([]int, writers)}
	bad := func(format string, args ...any) {
		if r.Bad == 0 {
			r.Problem = fmt.Sprintf(format, args...)
		}
		r.Bad++
	}
	for w := range writers {
		c := 0
		for ; ; c++ {
			present := 0
			for k := range keysPerBatch {
				v, closer, err := db.Get(batchKey(w, c, k))
				if err != nil {
					continue
				}
				if !bytes.Equal(v, batchValue(w, c, k)) {
					bad("writer %d batch %d key %d holds other bytes than were committed", w, c, k)
				}
				closer.Close()
				present++
			}
			if present == 0 {
				break
			}
			if present < keysPerBatch {
				bad("writer %d batch %d has %d of its %d keys", w, c, present, keysPerBatch)
			}
		}
		r.PerWriter[w] = c
		r.Records += c
		// Nothing of this writer may follow the gap: its batches were
		// committed one after another.
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: batchKey(w, c, 0), UpperBound: fmt.Appendf(nil, "w%02d.", w)})
		if err != nil {
			bad("iterator: %v", err)
			continue
		}
		if it.First() {
			bad("writer %d has %q after its batch %d is missing", w, it.Key(), c)
		}
		if err := it.Close(); err != nil {
			bad("iterator: %v", err)
		}
	}
	return r
}

func dirSize(dir string) int64 {
	var size int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			size += fi.Size()
		}
		return nil
	})
	return size
}

// bootMode returns the value of modeParam on the kernel command line.
func bootMode() string {
	b, _ := os.ReadFile("/proc/cmdline")
	for _, f := range strings.Fields(string(b)) {
		if v, ok := strings.CutPrefix(f, modeParam+"="); ok {
			return v
		}
	}
	return ""
}

func writeJSON(t *testing.T, path string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// quietLogger keeps Pebble's informational lines off the console.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pebble: "+format+"\n", args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}
