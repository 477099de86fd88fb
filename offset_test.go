package aio_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

func TestWriteThenReadSequentially(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	want := pattern(newBuf(t, 64<<10), 3)
	for off := 0; off < len(want); off += 16 << 10 {
		n, err := f.Write(want[off : off+16<<10])
		if n != 16<<10 || err != nil {
			t.Fatalf("Write at %d = %d, %v", off, n, err)
		}
	}
	if pos, err := f.Seek(0, io.SeekCurrent); pos != int64(len(want)) || err != nil {
		t.Fatalf("Seek(0, SeekCurrent) after the writes = %d, %v; want %d", pos, err, len(want))
	}
	if pos, err := f.Seek(0, io.SeekStart); pos != 0 || err != nil {
		t.Fatalf("Seek(0, SeekStart) = %d, %v", pos, err)
	}
	// Reads of odd sizes from odd offsets go through the bounce path.
	got, err := io.ReadAll(io.LimitReader(oddReader{f, 1000}, 1<<30))
	if err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got, want, "the file read back with Read")
	if n, err := f.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("Read at the end = %d, %v; want 0, io.EOF", n, err)
	}
	if n, err := f.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
}

// oddReader reads from r with buffers of size bytes, so that every read
// but the first starts at an offset that is not a multiple of 512.
type oddReader struct {
	r    io.Reader
	size int
}

func (o oddReader) Read(p []byte) (int, error) {
	return o.r.Read(p[:min(len(p), o.size)])
}

func TestSeek(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	if _, err := f.WriteAt(pattern(newBuf(t, 8192), 4), 0); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		offset int64
		whence int
		want   int64
	}{
		{100, io.SeekStart, 100},
		{50, io.SeekCurrent, 150},
		{-150, io.SeekCurrent, 0},
		{0, io.SeekEnd, 8192},
		{-192, io.SeekEnd, 8000},
		{1 << 40, io.SeekStart, 1 << 40}, // beyond the end is allowed
	} {
		if got, err := f.Seek(tt.offset, tt.whence); got != tt.want || err != nil {
			t.Errorf("Seek(%d, %d) = %d, %v; want %d", tt.offset, tt.whence, got, err, tt.want)
		}
	}
	if _, err := f.Seek(8000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 500)
	if n, err := f.Read(b); n != 192 || err != nil {
		t.Errorf("Read of 500 bytes 192 before the end = %d, %v; want 192, nil", n, err)
	}
	for _, bad := range [][2]int64{{-1, io.SeekStart}, {-9000, io.SeekEnd}, {0, 3}} {
		before, _ := f.Seek(0, io.SeekCurrent)
		if _, err := f.Seek(bad[0], int(bad[1])); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Seek(%d, %d): %v, want EINVAL", bad[0], bad[1], err)
		}
		if after, _ := f.Seek(0, io.SeekCurrent); after != before {
			t.Errorf("a failed Seek moved the offset from %d to %d", before, after)
		}
	}
}

func TestWriteMisalignedOnODirect(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	if n, err := f.Write(make([]byte, 100)); n != 0 || !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Write of 100 bytes with O_DIRECT = %d, %v; want 0, EINVAL", n, err)
	}
	if pos, _ := f.Seek(0, io.SeekCurrent); pos != 0 {
		t.Errorf("a failed Write moved the offset to %d", pos)
	}
}

func TestWriteAppends(t *testing.T) {
	c := newContext(t, 8)
	name := filepath.Join(testDir(t), "appended")
	if err := os.WriteFile(name, []byte("head:"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := openBound(t, c, name, os.O_RDWR|os.O_APPEND)
	for _, s := range []string{"one,", "two"} {
		if _, err := f.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if pos, err := f.Seek(0, io.SeekCurrent); pos != 12 || err != nil {
		t.Errorf("offset after two appends = %d, %v; want 12, the end", pos, err)
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "head:one,two" {
		t.Errorf("file = %q, want %q", got, "head:one,two")
	}
}

// TestConcurrentReads reads one file from many goroutines with Read: each
// call must take its own part, so the parts cover the file exactly once.
func TestConcurrentReads(t *testing.T) {
	c := newContext(t, 32)
	f := openTemp(t, c, testDir(t), 0)
	const size, chunk = 1 << 20, 4096
	want := newBuf(t, size)
	for i := range want {
		want[i] = byte(i / chunk) // each chunk says where it is
	}
	if _, err := f.WriteAt(want, 0); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		seen = make(map[byte]int)
		wg   sync.WaitGroup
	)
	for range 8 {
		b := newBuf(t, chunk)
		wg.Go(func() {
			for {
				n, err := f.Read(b)
				if err == io.EOF {
					return
				}
				if err != nil || n != chunk {
					t.Errorf("Read = %d, %v", n, err)
					return
				}
				mu.Lock()
				seen[b[0]]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i := range size / chunk {
		if seen[byte(i)] != 1 {
			t.Fatalf("chunk %d was read %d times, want once", i, seen[byte(i)])
		}
	}
}
