package aio_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/linuxaio/aio"
)

func TestFdIsTheFilesDescriptor(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	fd := f.Fd()
	flags, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err != nil {
		t.Fatalf("F_GETFL on Fd %d: %v", fd, err)
	}
	if flags&syscall.O_DIRECT == 0 {
		t.Errorf("Fd %d has flags %#x, without O_DIRECT: not the File's descriptor", fd, flags)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(fd), &st); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if want := fi.Sys().(*syscall.Stat_t).Ino; st.Ino != want {
		t.Errorf("Fd's inode %d, Stat's %d", st.Ino, want)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := f.Fd(); got != ^uintptr(0) {
		t.Errorf("Fd after Close = %d, want ^uintptr(0)", got)
	}
}

func TestStatSizeFollowsWrites(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	buf := pattern(newBuf(t, 12288), 1)
	if _, err := f.WriteAt(buf, 4096); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 16384 || !fi.Mode().IsRegular() || fi.Name() != filepath.Base(f.Name()) {
		t.Errorf("Stat = size %d, mode %v, name %q; want 16384, a regular file, %q", fi.Size(), fi.Mode(), fi.Name(), filepath.Base(f.Name()))
	}
	f.Close()
	if _, err := f.Stat(); !errors.Is(err, aio.ErrClosed) {
		t.Errorf("Stat after Close: %v, want ErrClosed", err)
	}
}

func TestTruncate(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	buf := pattern(newBuf(t, 8192), 2)
	if _, err := f.WriteAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	// Shorter, to a size that is not a multiple of the block size.
	if err := f.Truncate(5000); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 8192)
	n, err := f.ReadAt(got, 0)
	if n != 5000 || err == nil {
		t.Fatalf("ReadAt after Truncate(5000) = %d, %v; want 5000, io.EOF", n, err)
	}
	requireEqual(t, got[:n], buf[:5000], "the bytes kept by Truncate")
	// Longer: the new part reads as zeroes.
	if err := f.Truncate(16384); err != nil {
		t.Fatal(err)
	}
	got = make([]byte, 16384)
	if _, err := f.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got[5000:], make([]byte, 16384-5000), "the bytes Truncate added")

	err = f.Truncate(-1)
	if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "negative size") {
		t.Errorf("Truncate(-1): %v, want EINVAL saying the size is negative", err)
	}
	f.Close()
	if err := f.Truncate(0); !errors.Is(err, aio.ErrClosed) {
		t.Errorf("Truncate after Close: %v, want ErrClosed", err)
	}
}

func TestAllocate(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	if err := f.Allocate(0, 1<<20); err != nil {
		if errors.Is(err, errors.ErrUnsupported) {
			skipUnsupported(t, "the filesystem of the test directory does not fallocate: %v", err)
		}
		t.Fatal(err)
	}
	size, blocks := sizeAndBlocks(t, f)
	if size != 1<<20 || blocks*512 < 1<<20 {
		t.Errorf("after Allocate(0, 1 MiB): size %d, %d bytes allocated; want 1 MiB of each", size, blocks*512)
	}
	got := make([]byte, 1<<20)
	if _, err := f.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got, make([]byte, 1<<20), "an allocated range")

	if err := f.AllocateKeepSize(1<<20, 1<<20); err != nil {
		t.Fatal(err)
	}
	size, after := sizeAndBlocks(t, f)
	if size != 1<<20 || after*512 < 2<<20 {
		t.Errorf("after AllocateKeepSize(1 MiB, 1 MiB): size %d, %d bytes allocated; want 1 MiB and 2 MiB", size, after*512)
	}

	for _, bad := range [][2]int64{{-1, 4096}, {0, 0}, {0, -4096}, {1 << 62, 1 << 62}} {
		if err := f.Allocate(bad[0], bad[1]); !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "offset") {
			t.Errorf("Allocate(%d, %d): %v, want EINVAL naming the offset and length", bad[0], bad[1], err)
		}
	}
	f.Close()
	if err := f.Allocate(0, 4096); !errors.Is(err, aio.ErrClosed) {
		t.Errorf("Allocate after Close: %v, want ErrClosed", err)
	}
}

func sizeAndBlocks(t *testing.T, f *aio.File) (size, blocks int64) {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size(), fi.Sys().(*syscall.Stat_t).Blocks
}

func TestAllocateUnsupported(t *testing.T) {
	c := newContext(t, 8)
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.NewFile(null)
	if err != nil {
		null.Close()
		t.Fatal(err)
	}
	defer f.Close()
	err = f.Allocate(0, 4096)
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Allocate on %s: %v, want an error matching errors.ErrUnsupported", os.DevNull, err)
	}
}
