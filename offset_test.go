package aio_test

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
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
	// The kernel checks what it is given, as for os.File: an offset beyond
	// the largest file of the filesystem, and a whence it does not know.
	for _, bad := range [][2]int64{{-1, io.SeekStart}, {-9000, io.SeekEnd}, {0, 5}, {math.MaxInt64, io.SeekStart}, {math.MaxInt64 - 10, io.SeekCurrent}} {
		before, _ := f.Seek(0, io.SeekCurrent)
		if _, err := f.Seek(bad[0], int(bad[1])); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Seek(%d, %d): %v, want EINVAL", bad[0], bad[1], err)
		}
		if after, _ := f.Seek(0, io.SeekCurrent); after != before {
			t.Errorf("a failed Seek moved the offset from %d to %d", before, after)
		}
	}
}

// TestSeekDataAndHole seeks with SEEK_DATA and SEEK_HOLE, which os.File
// passes to the kernel, on a file with a hole between two written blocks:
// the answers are those of an os.File on the same file.
func TestSeekDataAndHole(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	const block = 1 << 20
	if _, err := f.WriteAt(newBuf(t, block), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(newBuf(t, block), 3*block); err != nil {
		t.Fatal(err)
	}
	osFile, err := os.Open(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer osFile.Close()
	for _, tt := range []struct {
		offset int64
		whence int
	}{
		{0, unix.SEEK_DATA}, {0, unix.SEEK_HOLE}, {block + 10, unix.SEEK_DATA},
		{block + 10, unix.SEEK_HOLE}, {3*block + 5, unix.SEEK_HOLE}, {4 * block, unix.SEEK_DATA},
	} {
		want, wantErr := osFile.Seek(tt.offset, tt.whence)
		got, err := f.Seek(tt.offset, tt.whence)
		if got != want || (err == nil) != (wantErr == nil) || (err != nil && !errors.Is(err, errnoOf(wantErr))) {
			t.Errorf("Seek(%d, %d) = %d, %v; os.File gives %d, %v", tt.offset, tt.whence, got, err, want, wantErr)
		}
		if err != nil {
			continue
		}
		if pos, _ := f.Seek(0, io.SeekCurrent); pos != want {
			t.Errorf("after Seek(%d, %d) the offset is %d, want %d", tt.offset, tt.whence, pos, want)
		}
	}
}

// errnoOf returns the errno that err wraps, or err itself.
func errnoOf(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
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

// TestAppendToMisalignedEnd appends with O_DIRECT to a file whose end is not
// aligned, which the kernel refuses with a bare EINVAL: the error says that
// the end of the file is what is misaligned, and where it is.
func TestAppendToMisalignedEnd(t *testing.T) {
	c := newContext(t, 8)
	name := filepath.Join(testDir(t), "log")
	if err := os.WriteFile(name, make([]byte, 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := c.OpenFile(name, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, align := f.Alignment()
	if 1000%align == 0 {
		skipUnsupported(t, "the file's O_DIRECT alignment is %d bytes, which 1000 is a multiple of", align)
	}
	p := newBuf(t, align)
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "end of the file, which is at byte 1000") {
			t.Errorf("%s on a direct file that ends at byte 1000: %v; want EINVAL saying that the end is misaligned", what, err)
		}
	}
	_, err = f.Write(p)
	check("Write", err)
	_, err = f.WriteAt(p, 0)
	check("WriteAt", err)
	r := &aio.Request{File: f, Op: aio.OpWrite, Buf: p}
	if _, err := c.Submit(r); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wait(context.Background(), make([]*aio.Request, 1), 1); err != nil {
		t.Fatal(err)
	}
	check("a batch write", r.Err)
	if st, err := os.Stat(name); err != nil || st.Size() != 1000 {
		t.Errorf("the file after the refused appends: %v, %v; want 1000 bytes", st.Size(), err)
	}
}
