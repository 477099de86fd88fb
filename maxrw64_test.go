//go:build !(386 || arm || mips || mipsle)

package aio_test

import (
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// aliasedMapping returns size bytes of address space in which one memfd of
// piece bytes is mapped again and again: a buffer longer than MAX_RW_COUNT
// that costs piece bytes of memory. Only a 64-bit address space has room
// for it.
func aliasedMapping(t *testing.T, size, piece int) []byte {
	t.Helper()
	fd, err := unix.MemfdCreate("aio-aliased", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, int64(piece)); err != nil {
		t.Fatal(err)
	}
	// Reserve the range, whole pieces of it, then map the memfd over it
	// piece by piece. MAP_FIXED replaces whatever is mapped at the address,
	// so no piece may reach past the reservation.
	reserved := (size + piece - 1) / piece * piece
	base, err := unix.MmapPtr(-1, 0, nil, uintptr(reserved), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.MunmapPtr(base, uintptr(reserved)) })
	for off := 0; off < reserved; off += piece {
		if _, err := unix.MmapPtr(fd, 0, unsafe.Add(base, off), uintptr(piece), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_FIXED); err != nil {
			t.Fatal(err)
		}
	}
	return unsafe.Slice((*byte)(base), size)
}

// TestReadAtLongerThanMaxRWCount is ReadAt and WriteAt with one buffer
// longer than MAX_RW_COUNT, as io.ReaderAt and io.WriterAt users make them.
//
// In short mode it does not run: the buffer's half a million page-table
// entries take a minute to fault in under emulation, and the vectored tests
// of maxrw_test.go cover the same continuation.
func TestReadAtLongerThanMaxRWCount(t *testing.T) {
	if testing.Short() {
		t.Log("short mode: the vectored tests cover the continuation")
		return
	}
	dir := testDir(t)
	c := newContext(t, 4)
	const off = 1 << 30
	const tail = 64 << 10
	_, align := openTemp(t, c, dir, 0).Alignment()
	total := longLength(t, max(align, tail))
	p := aliasedMapping(t, total, 4<<20)
	f := openRead(t, c, sparseFileWithTail(t, dir, off+int64(total), tail, 9), true)
	defer f.Close()

	n, err := f.ReadAt(p, off)
	if err != nil || n != total {
		t.Fatalf("ReadAt of %d bytes = %d, %v; want %d, nil", total, n, err, total)
	}
	// The last piece was read last, after the zeros of the holes: the
	// memfd's pages there hold the file's tail.
	requireEqual(t, p[total-tail:], pattern(make([]byte, tail), 9), "the last bytes of the buffer")

	w := openBound(t, c, "/dev/null", os.O_WRONLY)
	if n, err := w.WriteAt(p, 0); err != nil || n != total {
		t.Fatalf("WriteAt of %d bytes to /dev/null = %d, %v; want %d, nil", total, n, err, total)
	}
}
