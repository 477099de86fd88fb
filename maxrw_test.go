package aio_test

import (
	"context"
	"io"
	"math"
	"os"
	"testing"

	"github.com/linuxaio/aio"
)

// The kernel moves at most MAX_RW_COUNT bytes in one read or write and says
// so only by a short count, also in the middle of a file. The tests here
// make requests longer than that without the memory it would take: the
// iovecs of a vectored request may all point at one small buffer, and a long
// single buffer can be one small memfd mapped again and again (see
// maxrw64_test.go). Only the last piece of each request has memory of its
// own, which shows where the final bytes came from.

// maxRWCount is MAX_RW_COUNT: INT_MAX rounded down to a page.
const maxRWCount = 0x7ffff000

// longLength returns a length just over MAX_RW_COUNT, a multiple of align,
// that fits an int: on 32-bit platforms only a few bytes more fit.
func longLength(t *testing.T, align int) int {
	t.Helper()
	const maxInt = int64(math.MaxInt)
	n := int(min(maxRWCount+64<<10, maxInt/int64(align)*int64(align)))
	if n <= maxRWCount {
		t.Fatalf("no length over MAX_RW_COUNT that is a multiple of %d fits an int here", align)
	}
	return n
}

// aliasedIovecs returns buffers adding up to total bytes: views of shared,
// a multiple of align each, then tail, which has memory of its own.
func aliasedIovecs(shared, tail []byte, total, align int) [][]byte {
	var bufs [][]byte
	for left := total - len(tail); left > 0; {
		n := min(left, len(shared)) / align * align
		bufs = append(bufs, shared[:n])
		left -= n
	}
	return append(bufs, tail)
}

// sparseFileWithTail creates a sparse file in dir holding the pattern with
// seed only in tail bytes that end at end, and returns its name.
func sparseFileWithTail(t *testing.T, dir string, end int64, tail int, seed int) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "sparse-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Cleanup(func() { os.Remove(f.Name()) })
	if _, err := f.WriteAt(pattern(make([]byte, tail), seed), end-int64(tail)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// openRead opens path for reading through c, with O_DIRECT or without.
func openRead(t *testing.T, c *aio.Context, path string, direct bool) *aio.File {
	t.Helper()
	if direct {
		f, err := c.OpenFile(path, os.O_RDONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	return openBound(t, c, path, os.O_RDONLY)
}

// TestReadvLongerThanMaxRWCount reads more than MAX_RW_COUNT bytes in the
// middle of a larger file, with O_DIRECT and through the page cache: the
// read must go on to the end, not report io.EOF at the kernel's cap.
func TestReadvLongerThanMaxRWCount(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 4)
	const off = 1 << 30
	const tail = 64 << 10
	shared := newBuf(t, 4<<20)
	for _, direct := range []bool{true, false} {
		name := "direct"
		if !direct {
			name = "buffered"
		}
		t.Run(name, func(t *testing.T) {
			if !direct && testing.Short() {
				// Through the page cache the 2 GiB of holes become 2 GiB
				// of cached pages, minutes of work in an emulated VM with
				// less memory than that. The same continuation runs above
				// and on /dev/zero below.
				t.Log("short mode: the O_DIRECT read and the device tests cover the continuation")
				return
			}
			align := 1
			if direct {
				_, align = openTemp(t, c, dir, 0).Alignment()
			}
			total := longLength(t, align)
			path := sparseFileWithTail(t, dir, off+int64(total), tail, 7)
			f := openRead(t, c, path, direct)
			defer f.Close()

			last := newBuf(t, tail)
			n, err := f.ReadvAtContext(context.Background(), aliasedIovecs(shared, last, total, align), off, 0)
			if err != nil || n != total {
				t.Fatalf("ReadvAtContext of %d bytes = %d, %v; want %d, nil", total, n, err, total)
			}
			requireEqual(t, last, pattern(make([]byte, tail), 7), "the last bytes of the request")

			// Past the end, the same read stops short with io.EOF.
			n, err = f.ReadvAtContext(context.Background(), aliasedIovecs(shared, last, total, align), off+int64(tail), 0)
			if err != io.EOF || n != total-tail {
				t.Fatalf("read running %d bytes past the end = %d, %v; want %d, io.EOF", tail, n, err, total-tail)
			}
		})
	}
}

// TestDeviceTransfersLongerThanMaxRWCount writes more than MAX_RW_COUNT
// bytes to /dev/null, which takes everything it is given, and reads as many
// from /dev/zero, which never ends: both must move the whole length.
func TestDeviceTransfersLongerThanMaxRWCount(t *testing.T) {
	c := newContext(t, 4)
	total := longLength(t, 1)
	shared := newBuf(t, 4<<20)
	last := newBuf(t, 64<<10)
	for _, dev := range []struct {
		path string
		flag int
		read bool
	}{
		{"/dev/null", os.O_WRONLY, false},
		{"/dev/zero", os.O_RDONLY, true},
	} {
		t.Run(dev.path, func(t *testing.T) {
			f := openBound(t, c, dev.path, dev.flag)
			bufs := aliasedIovecs(shared, last, total, 1)
			pattern(last, 3)
			var n int
			var err error
			if dev.read {
				n, err = f.ReadvAtContext(context.Background(), bufs, 0, 0)
			} else {
				n, err = f.WritevAtContext(context.Background(), bufs, 0, 0)
			}
			if err != nil || n != total {
				t.Fatalf("%d bytes: %d, %v; want %d, nil", total, n, err, total)
			}
			if dev.read {
				requireEqual(t, last, make([]byte, len(last)), "the last bytes read from /dev/zero")
			}
		})
	}
}
