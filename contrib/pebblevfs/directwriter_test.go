package pebblevfs

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// createDirect creates a table through fs and fails unless it is a direct
// writer.
func createDirect(t *testing.T, fs *FS, name string) *directWriter {
	t.Helper()
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	w, ok := f.(*directWriter)
	if !ok {
		t.Fatalf("Create(%s) gave a %T, want a direct writer", name, f)
	}
	if !w.file.Direct() {
		t.Fatal("the table's file was not opened with O_DIRECT")
	}
	return w
}

// checkOnFile fails unless the file named name holds exactly want.
func checkOnFile(t *testing.T, name string, want []byte, when string) {
	t.Helper()
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: the file holds %d bytes, other than the %d written", when, len(got), len(want))
	}
}

// TestDirectWriterTwin runs random sequences of the calls Pebble makes on a
// table it writes (Writes of any length, SyncTo, SyncData, Sync, Stat,
// Preallocate, and ReadAt), and checks after each that the file is what an
// os.File written the same way would be: after SyncData, Sync, Stat and
// ReadAt, exactly the bytes written; after Close too.
func TestDirectWriterTwin(t *testing.T) {
	fs := newFS(t)
	dir := testDir(t)
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 77))
		fill := rand.NewChaCha8([32]byte{byte(seed)})
		name := filepath.Join(dir, "00000"+string(rune('1'+seed))+".sst")
		w := createDirect(t, fs, name)
		var want []byte
		for op := range 60 {
			switch k := rng.IntN(10); {
			case k < 5:
				p := make([]byte, []int{0, 1, 4095, 4096, 4097, 70_000, 1 << 20, 1<<20 + 5, 2_500_000}[rng.IntN(9)])
				fill.Read(p)
				if n, err := w.Write(p); n != len(p) || err != nil {
					t.Fatalf("seed %d op %d: Write of %d bytes = %d, %v", seed, op, len(p), n, err)
				}
				want = append(want, p...)
			case k == 5:
				length := rng.Int64N(int64(len(want)) + 1)
				if full, err := w.SyncTo(length); full || err != nil {
					t.Fatalf("seed %d op %d: SyncTo(%d) = %v, %v", seed, op, length, full, err)
				}
			case k == 6:
				sync, what := w.SyncData, "SyncData"
				if rng.IntN(2) == 0 {
					sync, what = w.Sync, "Sync"
				}
				if err := sync(); err != nil {
					t.Fatalf("seed %d op %d: %s: %v", seed, op, what, err)
				}
				checkOnFile(t, name, want, what)
			case k == 7:
				fi, err := w.Stat()
				if err != nil || fi.Size() != int64(len(want)) || fi.Name() != filepath.Base(name) {
					t.Fatalf("seed %d op %d: Stat = %v, %v; want size %d", seed, op, fi, err, len(want))
				}
				checkOnFile(t, name, want, "Stat")
			case k == 8:
				off := rng.IntN(len(want) + 100)
				p := make([]byte, rng.IntN(200_000))
				n, err := w.ReadAt(p, int64(off))
				wantN := max(0, min(len(p), len(want)-off))
				if n != wantN || (n < len(p)) != (err == io.EOF) || (err != nil && err != io.EOF) || !bytes.Equal(p[:n], want[min(off, len(want)):min(off, len(want))+n]) {
					t.Fatalf("seed %d op %d: ReadAt(%d bytes at %d) = %d, %v; want %d bytes", seed, op, len(p), off, n, err, wantN)
				}
			default:
				if err := w.Preallocate(int64(len(want)), 1<<20); err != nil {
					t.Fatalf("seed %d op %d: Preallocate: %v", seed, op, err)
				}
			}
		}
		if n, err := w.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			t.Fatalf("Read of a written table = %d, %v; want io.EOF, as os.File's at the end", n, err)
		}
		if _, err := w.WriteAt([]byte("x"), 0); err == nil || errors.Is(err, os.ErrClosed) {
			t.Fatalf("WriteAt of a created table = %v, want an error saying to use OpenReadWrite", err)
		}
		if w.Fd() == vfs.InvalidFd {
			t.Fatal("a direct writer has no descriptor")
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		checkOnFile(t, name, want, "Close")
	}
}

// TestDirectWriterNoSpace writes a table larger than its filesystem: the
// call that meets ENOSPC returns it, so does every later one, Close
// included, and what the file holds is a prefix of what was written.
func TestDirectWriterNoSpace(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatalf("mount tmpfs (as root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, 0) })
	fs := newFS(t)
	name := filepath.Join(mnt, "000001.sst")
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.(*directWriter); !ok {
		t.Skipf("tmpfs here refuses O_DIRECT (before Linux 6.6), so the table is a %T", f)
	}
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i * 31)
	}
	var firstErr error
	for off := 0; off < len(data) && firstErr == nil; off += 100_000 {
		_, firstErr = f.Write(data[off:min(off+100_000, len(data))])
	}
	if firstErr == nil {
		firstErr = f.SyncData()
	}
	if !errors.Is(firstErr, syscall.ENOSPC) {
		t.Fatalf("writing 3 MiB on a 1 MiB tmpfs: %v, want ENOSPC", firstErr)
	}
	if err := f.Sync(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Sync after ENOSPC = %v, want it again", err)
	}
	if err := f.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close after ENOSPC = %v, want it again", err)
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) >= len(data) || !bytes.Equal(got, data[:len(got)]) {
		t.Fatalf("after ENOSPC the file holds %d bytes that are not a prefix of those written", len(got))
	}
}

// TestBufferedWrites checks the switch: with BufferedWrites a created table
// is the wrapped FS's file.
func TestBufferedWrites(t *testing.T) {
	fs := newFSWith(t, &Options{BufferedWrites: true})
	name := filepath.Join(testDir(t), "000001.sst")
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.(*wrappedFile); !ok {
		t.Fatalf("with BufferedWrites, Create of a table gave a %T, want the wrapped FS's file", f)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
