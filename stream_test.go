package aio_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// streamLengths are file lengths around the edges of blocks and chunks of
// 8 KiB.
var streamLengths = []int{0, 1, 511, 512, 4095, 4096, 4097, 8191, 8192, 8193, 3*8192 + 1234, 100_000}

// writeSource makes a file of n pattern bytes in dir, through the os
// package, and returns its name and data.
func writeSource(t *testing.T, dir string, n, seed int) (string, []byte) {
	t.Helper()
	data := pattern(make([]byte, n), seed)
	name := filepath.Join(dir, fmt.Sprintf("src-%d-%d", n, seed))
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return name, data
}

func openFile(t *testing.T, c *aio.Context, name string, flag int) *aio.File {
	t.Helper()
	f, err := c.OpenFile(name, flag, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func checkFile(t *testing.T, name string, want []byte, what string) {
	t.Helper()
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got, want, what)
}

// TestStreamCopy copies files of every length with io.Copy from a Reader to
// a Writer, at several depths: the copy is exact, length included.
func TestStreamCopy(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 64)
	for _, depth := range []int{1, 2, 4} {
		for _, n := range streamLengths {
			opts := &aio.StreamOptions{ChunkSize: 8192, Depth: depth}
			srcName, data := writeSource(t, dir, n, depth)
			src := openFile(t, c, srcName, os.O_RDONLY)
			dstName := filepath.Join(dir, fmt.Sprintf("dst-%d-%d", n, depth))
			dst := openFile(t, c, dstName, os.O_RDWR|os.O_CREATE|os.O_EXCL)
			r := aio.NewReader(src, 0, opts)
			w := aio.NewWriter(dst, 0, opts)
			copied, err := io.Copy(w, r)
			if err != nil || copied != int64(n) {
				t.Fatalf("depth %d, %d bytes: io.Copy = %d, %v", depth, n, copied, err)
			}
			if err := w.Close(); err != nil {
				t.Fatalf("depth %d, %d bytes: Writer.Close: %v", depth, n, err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			checkFile(t, dstName, data, fmt.Sprintf("copy of %d bytes at depth %d", n, depth))
		}
	}
}

// TestStreamPieces writes and reads in pieces of random lengths, through
// Write and Read, with the default options and with small chunks, and
// from offsets that are not aligned.
func TestStreamPieces(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 64)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, opts := range []*aio.StreamOptions{nil, {ChunkSize: 4096, Depth: 3}} {
		for _, start := range []int64{0, 1000, 4096, 70_000} {
			n := 300_000 + rng.IntN(50_000)
			want := pattern(make([]byte, n), int(start))
			name := filepath.Join(dir, fmt.Sprintf("pieces-%d-%v", start, opts == nil))
			// The bytes before start are the file's, and stay.
			prefix := bytes.Repeat([]byte{0xee}, int(start))
			if err := os.WriteFile(name, prefix, 0o600); err != nil {
				t.Fatal(err)
			}
			f := openFile(t, c, name, os.O_RDWR)
			w := aio.NewWriter(f, start, opts)
			for left := want; len(left) > 0; {
				k := min(len(left), 1+rng.IntN(20_000))
				if n, err := w.Write(left[:k]); n != k || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
				left = left[k:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			checkFile(t, name, append(prefix, want...), fmt.Sprintf("pieces from %d", start))

			r := aio.NewReader(f, start, opts)
			var got []byte
			for {
				p := make([]byte, 1+rng.IntN(20_000))
				k, err := r.Read(p)
				got = append(got, p[:k]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			requireEqual(t, got, want, fmt.Sprintf("Read in pieces from %d", start))
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestWriterFlushMidStream flushes and syncs after every write: each time
// the file holds exactly what was written, and the stream goes on.
func TestWriterFlushMidStream(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 16)
	f := openTemp(t, c, dir, 0)
	w := aio.NewWriter(f, 0, &aio.StreamOptions{ChunkSize: 8192, Depth: 2})
	var want []byte
	for i, k := range []int{1, 100, 511, 1, 4096, 9000, 3, 8192, 20_000, 7} {
		p := pattern(make([]byte, k), i)
		if _, err := w.Write(p); err != nil {
			t.Fatal(err)
		}
		want = append(want, p...)
		flush := w.Flush
		if i%2 == 1 {
			flush = w.Sync
		}
		if err := flush(); err != nil {
			t.Fatalf("after %d bytes: %v", len(want), err)
		}
		checkFile(t, f.Name(), want, fmt.Sprintf("after flushing %d bytes", len(want)))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkFile(t, f.Name(), want, "after Close")
}

// TestWriterKeepsWhatFollows writes into the middle of a longer file: the
// file keeps its length and the bytes after the Writer's end, also within
// the last block it writes.
func TestWriterKeepsWhatFollows(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 16)
	name, old := writeSource(t, dir, 50_000, 9)
	f := openFile(t, c, name, os.O_RDWR)
	w := aio.NewWriter(f, 1234, &aio.StreamOptions{ChunkSize: 4096, Depth: 2})
	p := bytes.Repeat([]byte{0x5a}, 10_000)
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(old)
	copy(want[1234:], p)
	checkFile(t, name, want, "a write into the middle")
}

// TestReaderSeesGrowth reads to the end, lets the file grow, and reads on.
func TestReaderSeesGrowth(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 16)
	name, first := writeSource(t, dir, 10_000, 1)
	f := openFile(t, c, name, os.O_RDONLY)
	r := aio.NewReader(f, 0, &aio.StreamOptions{ChunkSize: 4096, Depth: 4})
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got, first, "before the file grew")
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v; want 0, io.EOF", n, err)
	}
	more := pattern(make([]byte, 7000), 2)
	app, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Write(more); err != nil {
		t.Fatal(err)
	}
	app.Close()
	got, err = io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got, more, "what the file gained")
}

// TestStreamsOnBufferedFiles runs a copy between files without O_DIRECT.
func TestStreamsOnBufferedFiles(t *testing.T) {
	dir := t.TempDir()
	c := newContext(t, 16)
	srcName, data := writeSource(t, dir, 77_777, 4)
	src := openBound(t, c, srcName, os.O_RDONLY)
	dstName := filepath.Join(dir, "dst")
	dst := openBound(t, c, dstName, os.O_RDWR|os.O_CREATE|os.O_EXCL)
	opts := &aio.StreamOptions{ChunkSize: 1000, Depth: 3}
	w := aio.NewWriter(dst, 0, opts)
	if _, err := w.ReadFrom(aio.NewReader(src, 0, opts)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dstName, data, "a buffered copy")
}

func TestStreamOptionsRefused(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 8)
	f := openTemp(t, c, dir, 0)
	for _, tt := range []struct {
		opts aio.StreamOptions
		off  int64
		want string
	}{
		{aio.StreamOptions{ChunkSize: 1000}, 0, "ChunkSize 1000 is not a positive multiple"},
		{aio.StreamOptions{ChunkSize: -4096}, 0, "ChunkSize -4096"},
		{aio.StreamOptions{Depth: -1}, 0, "Depth -1 is out of range"},
		{aio.StreamOptions{Depth: 1 << 20}, 0, "Depth 1048576 is out of range"},
		{aio.StreamOptions{}, -1, "negative offset"},
		{aio.StreamOptions{Flags: 1 << 31}, 0, "unknown request flags"},
	} {
		r := aio.NewReader(f, tt.off, &tt.opts)
		if _, err := r.Read(make([]byte, 10)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Reader with %+v at %d: Read = %v; want an error saying %q", tt.opts, tt.off, err, tt.want)
		}
		r.Close()
		w := aio.NewWriter(f, tt.off, &tt.opts)
		_, err := w.Write(make([]byte, 8192))
		if err == nil {
			err = w.Flush()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Writer with %+v at %d: Write and Flush = %v; want an error saying %q", tt.opts, tt.off, err, tt.want)
		}
		w.Close()
	}

	w := aio.NewWriter(f, 0, &aio.StreamOptions{Flags: aio.FlagAppend})
	if _, err := w.Write([]byte("x")); err == nil || !strings.Contains(err.Error(), "FlagAppend") {
		t.Errorf("a Writer with FlagAppend: Write = %v; want an error that explains FlagAppend", err)
	}

	app := openTemp(t, c, dir, os.O_APPEND)
	w = aio.NewWriter(app, 0, nil)
	if _, err := w.Write([]byte("x")); err == nil || !strings.Contains(err.Error(), "O_APPEND") {
		t.Errorf("a Writer on an O_APPEND file: Write = %v; want an error that explains O_APPEND", err)
	}
}

// TestStreamsAfterClose checks the Close rule on both streams: every method
// after Close says it is closed, and Close returns what it first returned.
func TestStreamsAfterClose(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 8)
	name, _ := writeSource(t, dir, 20_000, 5)
	f := openFile(t, c, name, os.O_RDWR)
	r := aio.NewReader(f, 0, &aio.StreamOptions{ChunkSize: 4096})
	if _, err := r.Read(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	w := aio.NewWriter(f, 0, &aio.StreamOptions{ChunkSize: 4096})
	if _, err := w.Write(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := r.Close(); err != nil {
			t.Fatalf("Reader.Close #%d: %v", i+1, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Writer.Close #%d: %v", i+1, err)
		}
	}
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, aio.ErrClosed) {
			t.Errorf("%s after Close = %v; want ErrClosed", what, err)
		}
	}
	_, err := r.Read(make([]byte, 10))
	check("Reader.Read", err)
	_, err = r.WriteTo(io.Discard)
	check("Reader.WriteTo", err)
	_, err = w.Write([]byte("x"))
	check("Writer.Write", err)
	_, err = w.ReadFrom(strings.NewReader("x"))
	check("Writer.ReadFrom", err)
	check("Writer.Flush", w.Flush())
	check("Writer.Sync", w.Sync())
}

// TestStreamsWhenTheContextCloses closes the Context under both streams:
// they return ErrClosed, with the offset, and never hang.
func TestStreamsWhenTheContextCloses(t *testing.T) {
	dir := testDir(t)
	c, err := aio.NewContext(8)
	if err != nil {
		t.Fatal(err)
	}
	name, _ := writeSource(t, dir, 100_000, 6)
	f, err := c.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := aio.NewReader(f, 0, &aio.StreamOptions{ChunkSize: 4096, Depth: 2})
	w := aio.NewWriter(f, 200_000, &aio.StreamOptions{ChunkSize: 4096, Depth: 2})
	if _, err := r.Read(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 5000)); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r)
	var se *aio.StreamError
	if !errors.Is(err, aio.ErrClosed) || !errors.As(err, &se) {
		t.Errorf("reading on after the Context closed: %v; want a StreamError matching ErrClosed", err)
	}
	_, err = w.Write(make([]byte, 10_000))
	if err == nil {
		err = w.Flush()
	}
	if !errors.Is(err, aio.ErrClosed) || !errors.As(err, &se) || se.Offset > 200_000+5000 {
		t.Errorf("writing on after the Context closed: %v; want a StreamError matching ErrClosed with an offset at most 205000", err)
	}
	r.Close()
	w.Close()
	f.Close()
}

// TestWriterReportsNoSpace fills a small tmpfs: the error is ENOSPC, from
// the offset on which data is missing, before which the file holds what was
// written, and every later call returns it.
func TestWriterReportsNoSpace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatalf("mount tmpfs (as root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, 0) })
	c := newContext(t, 16)
	f, err := c.OpenFile(filepath.Join(mnt, "full"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, syscall.EINVAL) {
		skipUnsupported(t, "tmpfs has no O_DIRECT on this kernel (since 6.6): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := aio.NewWriter(f, 0, &aio.StreamOptions{ChunkSize: 64 << 10, Depth: 4})
	data := pattern(make([]byte, 4<<20), 8)
	var werr error
	written := 0
	for werr == nil && written < len(data) {
		var n int
		n, werr = w.Write(data[written : written+100_000])
		written += n
	}
	if werr == nil {
		werr = w.Flush()
	}
	var se *aio.StreamError
	if !errors.Is(werr, syscall.ENOSPC) || !errors.As(werr, &se) {
		t.Fatalf("writing 4 MiB to a 1 MiB tmpfs: %v; want a StreamError matching ENOSPC", werr)
	}
	if se.Offset <= 0 || se.Offset > 1<<20 {
		t.Errorf("the error's offset is %d; want one within the 1 MiB that fit", se.Offset)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(got)) < se.Offset {
		t.Fatalf("the file has %d bytes, fewer than the %d the error says are on it", len(got), se.Offset)
	}
	requireEqual(t, got[:se.Offset], data[:se.Offset], "what the Writer says is on the file")
	for _, err := range []error{w.Flush(), w.Sync(), w.Close()} {
		if err != werr {
			t.Errorf("a later call returned %v; want the first error again", err)
		}
	}
}

// TestStreamsCloseDuringUse closes each stream while another goroutine uses
// it: the user gets data or ErrClosed, never a crash or a hang, and every
// Close returns the same.
func TestStreamsCloseDuringUse(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 32)
	name, _ := writeSource(t, dir, 1<<20, 7)
	f := openFile(t, c, name, os.O_RDWR)
	for round := range 20 {
		opts := &aio.StreamOptions{ChunkSize: 8192, Depth: 4}
		r := aio.NewReader(f, 0, opts)
		w := aio.NewWriter(f, 2<<20, opts)
		done := make(chan error, 2)
		go func() {
			for {
				if _, err := r.Read(make([]byte, 5000)); err != nil {
					done <- err
					return
				}
			}
		}()
		go func() {
			for {
				if _, err := w.Write(make([]byte, 5000)); err != nil {
					done <- err
					return
				}
			}
		}()
		errs := make(chan error, 4)
		for range 2 {
			go func() { errs <- r.Close() }()
			go func() { errs <- w.Close() }()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: Close = %v", round, err)
			}
		}
		for range 2 {
			if err := <-done; !errors.Is(err, aio.ErrClosed) && err != io.EOF {
				t.Fatalf("round %d: a stream in use when it closed returned %v; want ErrClosed or io.EOF", round, err)
			}
		}
	}
}

// loopDevice attaches a loop device to a new image of size bytes of the
// pattern, and returns its path and the image's data.
func loopDevice(t *testing.T, size int) (string, []byte) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("attaching a loop device needs root")
	}
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR, 0)
	if err != nil {
		skipUnsupported(t, "no loop devices: %v", err)
	}
	defer ctl.Close()
	data := pattern(make([]byte, size), 11)
	img := filepath.Join(t.TempDir(), "loop.img")
	if err := os.WriteFile(img, data, 0o600); err != nil {
		t.Fatal(err)
	}
	backing, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer backing.Close()
	for range 10 { // another process may take the free device first
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			t.Fatalf("LOOP_CTL_GET_FREE: %v", err)
		}
		dev := fmt.Sprintf("/dev/loop%d", n)
		loop, err := os.OpenFile(dev, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.IoctlSetInt(int(loop.Fd()), unix.LOOP_SET_FD, int(backing.Fd())); err != nil {
			loop.Close()
			if errors.Is(err, syscall.EBUSY) {
				continue
			}
			t.Fatalf("LOOP_SET_FD %s: %v", dev, err)
		}
		t.Cleanup(func() {
			unix.IoctlSetInt(int(loop.Fd()), unix.LOOP_CLR_FD, 0)
			loop.Close()
		})
		return dev, data
	}
	t.Fatal("no free loop device after 10 tries")
	return "", nil
}

// TestStreamsOnABlockDevice reads a block device to its end, and writes
// into it a length that is no whole number of blocks: the bytes after it
// stay the device's.
func TestStreamsOnABlockDevice(t *testing.T) {
	const size = 1 << 20
	dev, data := loopDevice(t, size)
	c := newContext(t, 16)
	f := openFile(t, c, dev, os.O_RDWR)
	r := aio.NewReader(f, 0, &aio.StreamOptions{ChunkSize: 64 << 10, Depth: 4})
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	requireEqual(t, got, data, "the device read to its end")

	w := aio.NewWriter(f, 1000, &aio.StreamOptions{ChunkSize: 64 << 10, Depth: 4})
	p := bytes.Repeat([]byte{0xa5}, 300_001)
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(data)
	copy(want[1000:], p)
	got = make([]byte, size)
	if _, err := f.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got, want, "the device after the Writer")
}
