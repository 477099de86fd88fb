package pebblevfs

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestWALFileTwin runs random sequences of the calls Pebble makes on a log
// (Writes of any length, SyncData, Sync, SyncTo, Stat, Preallocate, ReadAt)
// on new and on recycled logs, and checks the file after each sync (the
// bytes written, then zeros to the block's end at most, or the recycled
// log's old bytes), what Stat and ReadAt give, and the file after Close:
// exactly the bytes written, or those and the rest of a longer recycled log.
func TestWALFileTwin(t *testing.T) {
	fs := newFS(t)
	dir := testDir(t)
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 78))
		fill := rand.NewChaCha8([32]byte{byte(seed), 2})
		name := filepath.Join(dir, fmt.Sprintf("%06d.log", seed))
		var old []byte
		var f vfs.File
		var err error
		if seed%2 == 1 {
			old = make([]byte, []int{100, 4096, 300_000, 3 << 20}[seed/2%4])
			fill.Read(old)
			if err := os.WriteFile(name+".old", old, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err = fs.ReuseForWrite(name+".old", name, vfs.WriteCategoryUnspecified)
		} else {
			f, err = fs.Create(name, vfs.WriteCategoryUnspecified)
		}
		if err != nil {
			t.Fatal(err)
		}
		w, ok := f.(*walFile)
		if !ok {
			t.Fatalf("a log was opened as a %T, want a walFile", f)
		}
		// expect returns what the file must hold as far as it is known:
		// the log, then what the recycled file had past it.
		var log []byte
		expect := func() []byte {
			if len(old) > len(log) {
				return append(bytes.Clone(log), old[len(log):]...)
			}
			return log
		}
		for op := range 80 {
			switch k := rng.IntN(10); {
			case k < 5:
				p := make([]byte, []int{0, 1, 11, 4095, 4096, 4097, 32 << 10, 300_000, 1<<20 + 3}[rng.IntN(9)])
				fill.Read(p)
				if n, err := w.Write(p); n != len(p) || err != nil {
					t.Fatalf("seed %d op %d: Write of %d bytes = %d, %v", seed, op, len(p), n, err)
				}
				log = append(log, p...)
			case k < 7:
				sync, what := w.SyncData, "SyncData"
				if k == 6 {
					sync, what = w.Sync, "Sync"
				}
				if err := sync(); err != nil {
					t.Fatalf("seed %d op %d: %s: %v", seed, op, what, err)
				}
				got, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) < len(log) || !bytes.Equal(got[:len(log)], log) {
					t.Fatalf("seed %d op %d: after %s the file does not hold the %d bytes written", seed, op, what, len(log))
				}
				// Past the log: zeros to its block's end, then the
				// recycled log's old bytes, or nothing.
				for i := len(log); i < len(got); i++ {
					if i < (len(log)+int(w.align)-1)/int(w.align)*int(w.align) {
						if got[i] != 0 {
							t.Fatalf("seed %d op %d: byte %d past the log's end is %#x, want 0", seed, op, i, got[i])
						}
					} else if i >= len(old) || got[i] != old[i] {
						t.Fatalf("seed %d op %d: the file has %d bytes past the log's %d and its block (recycled from %d)", seed, op, len(got)-len(log), len(log), len(old))
					}
				}
			case k == 7:
				if full, err := w.SyncTo(int64(rng.IntN(len(log) + 1))); full || err != nil {
					t.Fatalf("seed %d op %d: SyncTo = %v, %v", seed, op, full, err)
				}
			case k == 8:
				want := expect()
				fi, err := w.Stat()
				if err != nil || fi.Size() != int64(len(want)) {
					t.Fatalf("seed %d op %d: Stat = %v, %v; want size %d", seed, op, fi, err, len(want))
				}
				off := rng.IntN(len(want) + 10)
				p := make([]byte, rng.IntN(100_000))
				n, err := w.ReadAt(p, int64(off))
				wantN := max(0, min(len(p), len(want)-off))
				if n != wantN || (n < len(p)) != (err == io.EOF) || (err != nil && err != io.EOF) || !bytes.Equal(p[:n], want[min(off, len(want)):min(off, len(want))+n]) {
					t.Fatalf("seed %d op %d: ReadAt(%d bytes at %d) = %d, %v; want %d bytes", seed, op, len(p), off, n, err, wantN)
				}
			default:
				if err := w.Preallocate(int64(len(log)), 1<<20); err != nil {
					t.Fatalf("seed %d op %d: Preallocate: %v", seed, op, err)
				}
			}
		}
		if _, err := w.WriteAt([]byte("x"), 0); err == nil || errors.Is(err, os.ErrClosed) {
			t.Fatalf("WriteAt of a log = %v, want an error saying to use OpenReadWrite", err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		checkOnFile(t, name, expect(), "Close")
	}
}

// The child of TestWALSurvivesKill commits batches into the DB named by
// walChildEnv and prints the number of each batch whose Commit with Sync
// returned, until it is killed.
const walChildEnv = "PEBBLEVFS_WAL_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(walChildEnv); dir != "" {
		if err := walChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "wal child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// walOptions are the child's and the checker's options: a small memtable,
// so that logs are rotated, and recycled, many times a second.
func walOptions(fs vfs.FS) *pebble.Options {
	return &pebble.Options{FS: fs, MemTableSize: 256 << 10, Logger: quietLogger{}}
}

// walChild commits batches of 20 keys with values of uneven lengths,
// numbered on from the highest batch already in the DB, and prints each
// batch's number once its Commit with Sync has returned, with the number
// of logs the FS has recycled.
func walChild(dir string) error {
	fs, err := New(nil)
	if err != nil {
		return err
	}
	db, err := pebble.Open(dir, walOptions(fs))
	if err != nil {
		return err
	}
	next := 0
	if v, closer, err := db.Get([]byte("last")); err == nil {
		next = int(binary.BigEndian.Uint64(v)) + 1
		closer.Close()
	}
	out := bufio.NewWriter(os.Stdout)
	for batch := next; ; batch++ {
		b := db.NewBatch()
		for k := range 20 {
			b.Set(fmt.Appendf(nil, "b%08d-%02d", batch, k), bytes.Repeat([]byte{byte(batch + k)}, 100+(batch*7+k*13)%900), nil)
		}
		b.Set([]byte("last"), binary.BigEndian.AppendUint64(nil, uint64(batch)), nil)
		if err := b.Commit(pebble.Sync); err != nil {
			return err
		}
		fmt.Fprintln(out, batch, fs.reusedLogs.Load())
		out.Flush()
	}
}

// TestWALSurvivesKill runs a process that commits synced batches through
// direct logs, kills it (SIGKILL) after some acknowledged batches, reopens
// the DB and finds every acknowledged batch whole, five times over the same
// DB, so that later runs write into recycled logs. A SIGKILL leaves what
// the process wrote to the kernel, so this checks the logs' format (the
// zeros after each sync, recycling, the truncation at Close), not the
// device's durability, which the aio package's VM crash tests check.
func TestWALSurvivesKill(t *testing.T) {
	dir := filepath.Join(testDir(t), "db")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	acked := -1
	var reused, recycled int64 // logs recycled by the round's child, and by all
	for round := range 5 {
		cmd := exec.Command(self, "-test.run=^$")
		cmd.Env = append(os.Environ(), walChildEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		stopAt := acked + 200 + round*150
		for lines.Scan() {
			var n int
			if _, err := fmt.Sscan(lines.Text(), &n, &reused); err != nil {
				t.Fatalf("the child printed %q", lines.Text())
			}
			acked = n
			if n >= stopAt {
				break
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		if acked < stopAt {
			t.Fatalf("round %d: the child stopped at batch %d: %s", round, acked, stderr.String())
		}

		fs := newFS(t)
		db, err := pebble.Open(dir, walOptions(fs))
		if err != nil {
			t.Fatalf("round %d: reopening after the kill: %v", round, err)
		}
		for batch := 0; batch <= acked; batch++ {
			for k := range 20 {
				v, closer, err := db.Get(fmt.Appendf(nil, "b%08d-%02d", batch, k))
				if err != nil {
					t.Fatalf("round %d: batch %d, acknowledged, lost key %d: %v", round, batch, k, err)
				}
				if want := bytes.Repeat([]byte{byte(batch + k)}, 100+(batch*7+k*13)%900); !bytes.Equal(v, want) {
					t.Fatalf("round %d: batch %d key %d holds other bytes than were committed", round, batch, k)
				}
				closer.Close()
			}
		}
		recycled += reused
		t.Logf("round %d: %d batches acknowledged, all there; %d logs recycled so far", round, acked+1, recycled)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if fs.directCreates.Load() == 0 {
			t.Fatal("the reopened DB wrote no direct log")
		}
	}
	if recycled == 0 {
		t.Fatal("no child wrote into a recycled log")
	}
}

// TestLogsAreDirect checks which files are logs: write-ahead logs and
// MANIFESTs are walFiles, created or recycled, unless BufferedWAL sends
// them to the wrapped FS; an OPTIONS file is the wrapped FS's.
func TestLogsAreDirect(t *testing.T) {
	dir := testDir(t)
	for _, buffered := range []bool{false, true} {
		fs := newFSWith(t, &Options{BufferedWAL: buffered})
		for _, name := range []string{"000001.log", "MANIFEST-000002", "OPTIONS-000003", "000004.log.reused", "MANIFEST-000005.reused"} {
			path := filepath.Join(dir, name)
			var f vfs.File
			var err error
			if base, ok := strings.CutSuffix(path, ".reused"); ok {
				if err := os.WriteFile(path, make([]byte, 5000), 0o644); err != nil {
					t.Fatal(err)
				}
				f, err = fs.ReuseForWrite(path, base, vfs.WriteCategoryUnspecified)
				name = filepath.Base(base) + " (recycled)"
			} else {
				f, err = fs.Create(path, vfs.WriteCategoryUnspecified)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, isLog := f.(*walFile)
			if want := !buffered && !strings.HasPrefix(name, "OPTIONS"); isLog != want {
				t.Errorf("BufferedWAL %v: %s is a %T, want a walFile %v", buffered, name, f, want)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}
