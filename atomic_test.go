package aio_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// xfsDir mounts a new XFS filesystem (mkfs.xfs defaults) on a loop device
// over a sparse file and returns its root, all undone when the test ends.
// It skips the test, saying why, without root or mkfs.xfs.
func xfsDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting an XFS loop device needs root")
	}
	if _, err := exec.LookPath("mkfs.xfs"); err != nil {
		t.Skip("mkfs.xfs not found: install xfsprogs")
	}
	img := filepath.Join(t.TempDir(), "xfs.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 512<<20); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) string {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	dev := run("losetup", "--find", "--show", "--direct-io=on", img)
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	run("mkfs.xfs", "-q", dev)
	mnt := t.TempDir()
	if err := unix.Mount(dev, mnt, "xfs", 0, ""); err != nil {
		t.Fatalf("mount %s (xfs) on %s: %v", dev, mnt, err)
	}
	t.Cleanup(func() { unix.Unmount(mnt, 0) })
	return mnt
}

// statxAtomic returns statx's STATX_WRITE_ATOMIC fields of name, all zero
// where the kernel does not report them.
func statxAtomic(t *testing.T, name string) unix.Statx_t {
	t.Helper()
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, name, 0, unix.STATX_WRITE_ATOMIC, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mask&unix.STATX_WRITE_ATOMIC == 0 {
		return unix.Statx_t{}
	}
	return st
}

// TestAtomicWritesOnXFS writes with FlagAtomic on XFS, which supports
// atomic writes of any power of two up to its limit since Linux 6.16:
// AtomicWriteUnits says what statx says, writes within the units succeed,
// and writes outside them are refused with errors that say why.
func TestAtomicWritesOnXFS(t *testing.T) {
	mnt := xfsDir(t)
	c := newContext(t, 8)
	f := openTemp(t, c, mnt, 0)

	st := statxAtomic(t, f.Name())
	wantMin, wantMax := int(st.Atomic_write_unit_min), int(st.Atomic_write_unit_max)
	min, max := f.AtomicWriteUnits()
	if min != wantMin || max != wantMax {
		t.Fatalf("AtomicWriteUnits() = %d, %d; statx says %d, %d", min, max, wantMin, wantMax)
	}
	buf := newBuf(t, 4<<20)
	if max == 0 {
		if kernelAtLeast(t, 6, 16) {
			t.Fatalf("XFS on Linux 6.16 or later reports no atomic write units")
		}
		_, err := f.WriteAtContext(t.Context(), buf[:4096], 0, aio.FlagAtomic)
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("FlagAtomic without atomic write units: %v; want an error matching errors.ErrUnsupported", err)
		}
		return
	}
	t.Logf("atomic write units %d to %d bytes", min, max)

	for _, size := range []int{min, max} {
		data := pattern(buf[:size], size)
		if n, err := f.WriteAtContext(t.Context(), data, int64(size), aio.FlagAtomic); n != size || err != nil {
			t.Fatalf("atomic write of %d bytes at %d: %d, %v", size, size, n, err)
		}
		got := newBuf(t, size)
		if _, err := f.ReadAt(got, int64(size)); err != nil {
			t.Fatal(err)
		}
		requireEqual(t, got, pattern(make([]byte, size), size), "atomic write")
	}

	// Through the batch API, and from misaligned memory larger than the
	// package's bounce buffers, which must still go as one request.
	r := &aio.Request{File: f, Op: aio.OpWrite, Buf: buf[:min], Offset: 0, Flags: aio.FlagAtomic}
	if _, err := c.Submit(r); err != nil {
		t.Fatal(err)
	}
	done := make([]*aio.Request, 1)
	if _, err := c.Wait(t.Context(), done, 1); err != nil || r.Err != nil || r.N != min {
		t.Fatalf("batch atomic write: %v, %d, %v", err, r.N, r.Err)
	}
	odd := make([]byte, max+1)[1:]
	pattern(odd, 9)
	if n, err := f.WriteAtContext(t.Context(), odd, int64(2*max), aio.FlagAtomic); n != max || err != nil {
		t.Fatalf("atomic write of %d bytes from misaligned memory: %d, %v", max, n, err)
	}

	bad := []struct {
		name string
		size int
		off  int64
		want string
	}{
		{"not a power of two", 3 * min, 0, "not a power of two"},
		{"above the units", 2 * max, 0, "not a power of two from"},
		{"offset not a multiple", 2 * min, int64(min), "not a multiple of the length"},
	}
	if min > 512 {
		bad = append(bad, struct {
			name string
			size int
			off  int64
			want string
		}{"below the units", min / 2, 0, "not a power of two from"})
	}
	for _, b := range bad {
		_, err := f.WriteAtContext(t.Context(), buf[:b.size], b.off, aio.FlagAtomic)
		if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s (%d bytes at %d): %v; want EINVAL saying %q", b.name, b.size, b.off, err, b.want)
		}
	}
	if st.Atomic_write_segments_max == 1 {
		_, err := f.WritevAtContext(t.Context(), [][]byte{buf[:min], buf[min : 2*min]}, 0, aio.FlagAtomic)
		if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "at most 1") {
			t.Errorf("atomic writev of 2 buffers: %v; want EINVAL saying at most 1 goes atomically", err)
		}
	}
}
