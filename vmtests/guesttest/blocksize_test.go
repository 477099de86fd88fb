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
// with the package's alignment error, and 4 KiB-aligned I/O must work.
func TestLogicalBlock4K(t *testing.T) {
	guest.SkipIfNotInVM(t)
	c := newContext(t, 8)
	f := openDisk(t, c, testvm.Raw4K)
	ctx := context.Background()
	buf := newBuf(t, 16<<10)

	if _, align := f.Alignment(); align != 4096 {
		t.Errorf("Alignment reports offsets and lengths in multiples of %d, want 4096", align)
	}

	t.Run("512-byte aligned", func(t *testing.T) {
		ops := []struct {
			name string
			op   func() (int, error)
		}{
			{"ReadAt 512 bytes", func() (int, error) { return f.ReadAt(buf[:512], 0) }},
			{"ReadAt at offset 512", func() (int, error) { return f.ReadAt(buf[:4096], 512) }},
			{"WriteAt 512 bytes", func() (int, error) { return f.WriteAt(buf[:512], 0) }},
			{"WriteAt at offset 3584", func() (int, error) { return f.WriteAt(buf[:4096], 3584) }},
			{"ReadvAtContext with a 512-byte buffer", func() (int, error) {
				return f.ReadvAtContext(ctx, [][]byte{buf[:4096], buf[4096:4608]}, 0, 0)
			}},
			{"WritevAtContext at offset 1024", func() (int, error) {
				return f.WritevAtContext(ctx, [][]byte{buf[:4096]}, 1024, 0)
			}},
		}
		for _, o := range ops {
			n, err := o.op()
			var pe *os.PathError
			switch {
			case err == nil:
				t.Errorf("%s: %d bytes and no error, want an alignment error", o.name, n)
			case !errors.Is(err, syscall.EINVAL) || !errors.As(err, &pe):
				t.Errorf("%s: %v (%T), want an *os.PathError matching EINVAL", o.name, err, err)
			case !strings.Contains(err.Error(), "4096"):
				t.Errorf("%s: %q does not name the required alignment, 4096", o.name, err)
			default:
				t.Logf("%s: %v", o.name, err)
			}
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
