package guesttest

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
	"golang.org/x/sys/unix"
)

// TestLogicalBlock4K checks direct I/O on a disk with 4 KiB logical blocks:
// I/O aligned to 512 bytes only, which suffices on most disks, must fail
// with the package's alignment error on a strict File; reads of it must go
// through aligned memory and return the right bytes on any other; writes of
// it must fail either way; and 4 KiB-aligned I/O must work.
func TestLogicalBlock4K(t *testing.T) {
	guest.SkipIfNotInVM(t)
	c := newContext(t, 8)
	f := openDisk(t, c, testvm.Raw4K)
	ctx := context.Background()
	buf := newBuf(t, 16<<10)

	if _, align := f.Alignment(); align != 4096 {
		t.Errorf("Alignment reports offsets and lengths in multiples of %d, want 4096", align)
	}

	reads := []struct {
		name string
		op   func() (int, error)
		off  int64
		n    int
	}{
		{"ReadAt 512 bytes", func() (int, error) { return f.ReadAt(buf[:512], 0) }, 0, 512},
		{"ReadAt at offset 512", func() (int, error) { return f.ReadAt(buf[:4096], 512) }, 512, 4096},
		{"ReadvAtContext with a 512-byte buffer", func() (int, error) {
			return f.ReadvAtContext(ctx, [][]byte{buf[:4096], buf[4096:4608]}, 0, 0)
		}, 0, 4608},
	}
	writes := []struct {
		name string
		op   func() (int, error)
	}{
		{"WriteAt 512 bytes", func() (int, error) { return f.WriteAt(buf[:512], 0) }},
		{"WriteAt at offset 3584", func() (int, error) { return f.WriteAt(buf[:4096], 3584) }},
		{"WritevAtContext at offset 1024", func() (int, error) {
			return f.WritevAtContext(ctx, [][]byte{buf[:4096]}, 1024, 0)
		}},
	}
	wantAlignmentError := func(t *testing.T, name string, n int, err error) {
		t.Helper()
		var pe *os.PathError
		switch {
		case err == nil:
			t.Errorf("%s: %d bytes and no error, want an alignment error", name, n)
		case !errors.Is(err, syscall.EINVAL) || !errors.As(err, &pe):
			t.Errorf("%s: %v (%T), want an *os.PathError matching EINVAL", name, err, err)
		case !strings.Contains(err.Error(), "4096"):
			t.Errorf("%s: %q does not name the required alignment, 4096", name, err)
		default:
			t.Logf("%s: %v", name, err)
		}
	}

	t.Run("512-byte aligned, strict", func(t *testing.T) {
		f.SetStrictAlignment(true)
		defer f.SetStrictAlignment(false)
		for _, o := range reads {
			n, err := o.op()
			wantAlignmentError(t, o.name, n, err)
		}
		for _, o := range writes {
			n, err := o.op()
			wantAlignmentError(t, o.name, n, err)
		}
	})

	t.Run("512-byte aligned, copied", func(t *testing.T) {
		for _, o := range reads {
			clear(buf)
			n, err := o.op()
			checkIO(t, o.name, n, err, o.n)
			checkData(t, o.name, buf[:o.n], o.off, testvm.ImageSeed)
		}
		for _, o := range writes {
			n, err := o.op()
			wantAlignmentError(t, o.name, n, err)
		}
	})

	// The package's check must agree with the kernel, which refuses the same
	// I/O on this device.
	t.Run("kernel agrees", func(t *testing.T) {
		fd, err := unix.Open(f.Name(), unix.O_RDONLY|unix.O_DIRECT|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		if _, err := unix.Pread(fd, buf[:512], 0); err != unix.EINVAL {
			t.Errorf("pread of 512 bytes: %v, want EINVAL", err)
		}
		if n, err := unix.Pread(fd, buf[:4096], 4096); n != 4096 || err != nil {
			t.Errorf("pread of 4096 bytes: %d, %v", n, err)
		}
	})

	t.Run("4096-byte aligned", func(t *testing.T) {
		// The refused writes above must not have reached the disk.
		n, err := f.ReadAt(buf[:8192], 0)
		checkIO(t, "ReadAt", n, err, 8192)
		checkData(t, "ReadAt", buf[:8192], 0, testvm.ImageSeed)

		const off, seed = 64 << 10, 0x4096
		testvm.Fill(buf[:12288], off, seed)
		n, err = f.WritevAtContext(ctx, [][]byte{buf[:4096], buf[4096:8192]}, off, 0)
		checkIO(t, "WritevAtContext", n, err, 8192)
		n, err = f.WriteAt(buf[8192:12288], off+8192)
		checkIO(t, "WriteAt", n, err, 4096)
		clear(buf)
		n, err = f.ReadvAtContext(ctx, [][]byte{buf[:4096], buf[4096:12288]}, off, 0)
		checkIO(t, "ReadvAtContext", n, err, 12288)
		checkData(t, "read back", buf[:12288], off, seed)
	})
}
