package aio

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLogicalBlockSize checks the BLKSSZGET fallback of the O_DIRECT
// alignment against sysfs on the first block device this machine lets the
// test open. make cross also runs it under QEMU's user mode, where the
// big-endian architectures read the ioctl's C int.
func TestLogicalBlockSize(t *testing.T) {
	devices, err := filepath.Glob("/sys/block/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range devices {
		b, err := os.ReadFile(filepath.Join(dir, "queue", "logical_block_size"))
		if err != nil {
			continue
		}
		want, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		fd, err := unix.Open(filepath.Join("/dev", filepath.Base(dir)), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		got, err := logicalBlockSize(fd)
		unix.Close(fd)
		if err != nil {
			t.Fatalf("BLKSSZGET on /dev/%s: %v", filepath.Base(dir), err)
		}
		if uint64(got) != want {
			t.Fatalf("BLKSSZGET on /dev/%s: %d, want %d as sysfs says", filepath.Base(dir), got, want)
		}
		return
	}
	t.Skip("no block device in /sys/block that this test can open (it needs root, or the disk group)")
}
