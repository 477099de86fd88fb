package pebblevfs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// testDir returns a new directory for a test, in AIO_TEST_DIR if it is set,
// as the aio package's tests do, so that it can be put on a filesystem with
// O_DIRECT.
func testDir(t testing.TB) string {
	t.Helper()
	base := os.Getenv("AIO_TEST_DIR")
	if base == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp(base, "pebblevfs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func newFS(t testing.TB) *FS { return newFSWith(t, nil) }

// newFSWith returns an FS with opts, closed when the test ends.
func newFSWith(t testing.TB, opts *Options) *FS {
	t.Helper()
	fs, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := fs.Close(); err != nil {
			t.Error(err)
		}
	})
	return fs
}

// writeFile writes data to name through fs, as Pebble writes a table: in
// appends of uneven lengths, then Sync.
func writeFile(t *testing.T, fs vfs.FS, name string, data []byte) {
	t.Helper()
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1000+len(rest)%777)
		if _, err := f.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenTableIsDirect writes a table through the FS and opens it: the
// read handle is direct, reads at any offset and of any length return the
// bytes written, and its Stat agrees with that of vfs.Default's file.
func TestOpenTableIsDirect(t *testing.T) {
	fs := newFS(t)
	name := filepath.Join(testDir(t), "000007.sst")
	data := make([]byte, 300_001)
	for i := range data {
		data[i] = byte(i*7 + i/4096)
	}
	writeFile(t, fs, name, data)

	f, err := fs.Open(name, vfs.RandomReadsOption)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	df, ok := f.(*directFile)
	if !ok {
		t.Fatalf("Open of a table gave a %T, want a direct file", f)
	}
	if !df.file.Direct() {
		t.Fatal("the table's file was not opened with O_DIRECT")
	}
	for _, r := range []struct{ off, n int }{{0, 1}, {1, 4095}, {4095, 2}, {12345, 67890}, {len(data) - 10, 10}, {0, len(data)}} {
		p := make([]byte, r.n)
		n, err := f.ReadAt(p, int64(r.off))
		if err != nil || n != r.n {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v", r.n, r.off, n, err)
		}
		if !bytes.Equal(p, data[r.off:r.off+r.n]) {
			t.Fatalf("ReadAt(%d bytes at %d) returned other bytes than were written", r.n, r.off)
		}
	}
	if n, err := f.ReadAt(make([]byte, 10), int64(len(data)-5)); n != 5 || err != io.EOF {
		t.Fatalf("ReadAt across the end = %d, %v; want 5, io.EOF", n, err)
	}

	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	osf, err := vfs.Default.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	want, err := osf.Stat()
	osf.Close()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Name() != want.Name() || fi.Size() != want.Size() || fi.Mode() != want.Mode() || fi.DeviceID() != want.DeviceID() || !fi.ModTime().Equal(want.ModTime()) {
		t.Fatalf("Stat: name %q size %d mode %v device %v; vfs.Default: name %q size %d mode %v device %v", fi.Name(), fi.Size(), fi.Mode(), fi.DeviceID(), want.Name(), want.Size(), want.Mode(), want.DeviceID())
	}
	if f.Fd() == vfs.InvalidFd {
		t.Fatal("a direct file has no descriptor")
	}
	if err := f.Prefetch(0, 1<<20); err != nil {
		t.Fatal(err)
	}
	if full, err := f.SyncTo(100); full || err != nil {
		t.Fatalf("SyncTo of a read handle = %v, %v", full, err)
	}

	// A table removed while open still stats, as an os.File does.
	if err := fs.Remove(name); err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != int64(len(data)) {
		t.Fatalf("Stat after the name was removed = %v, %v", fi, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := df.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Stat after Close = %v, want os.ErrClosed", err)
	}
}

// TestOpenDelegates checks what Open leaves to the wrapped FS: files that
// are not tables or blob files. Tables opened for sequential reads are
// direct (TestReadaheadOff checks BufferedSequentialReads).
func TestOpenDelegates(t *testing.T) {
	fs := newFS(t)
	dir := testDir(t)
	for _, c := range []struct {
		name   string
		opts   []vfs.OpenOption
		direct bool
	}{
		{"000001.sst", nil, true},
		{"000002.blob", nil, true},
		{"000003.sst", []vfs.OpenOption{vfs.SequentialReadsOption}, true},
		{"000004.log", nil, false},
		{"MANIFEST-000005", nil, false},
	} {
		name := filepath.Join(dir, c.name)
		writeFile(t, fs, name, []byte("some bytes of "+c.name))
		f, err := fs.Open(name, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, direct := f.(*directFile); direct != c.direct {
			t.Errorf("Open(%s, %d options) direct = %v, want %v", c.name, len(c.opts), direct, c.direct)
		}
		p := make([]byte, len("some bytes of ")+len(c.name))
		if _, err := f.ReadAt(p, 0); err != nil || string(p) != "some bytes of "+c.name {
			t.Errorf("ReadAt of %s = %q, %v", c.name, p, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fs.Open(filepath.Join(dir, "missing.sst")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing table = %v, want os.ErrNotExist", err)
	}
}

func TestNewRejectsNegativeMaxEvents(t *testing.T) {
	if _, err := New(&Options{MaxEvents: -1}); err == nil {
		t.Fatal("New with MaxEvents -1 succeeded")
	}
}
