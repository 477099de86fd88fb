package guesttest

import (
	"io"
	"os"
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
	"golang.org/x/sys/unix"
)

// TestDisks checks that the VM has the devices that the header of
// vm_test.go describes, since every other guest test relies on them.
func TestDisks(t *testing.T) {
	guest.SkipIfNotInVM(t)

	disks, err := testvm.Attached()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range disks {
		t.Run(d.Serial, func(t *testing.T) {
			dev, err := testvm.Find(d.Serial)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(dev)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()

			size, err := f.Seek(0, io.SeekEnd)
			if err != nil {
				t.Fatal(err)
			}
			if size != d.Size {
				t.Errorf("%s: size %d, want %d", dev, size, d.Size)
			}
			// A C int, which IoctlGetInt would misread on 64-bit
			// big-endian machines.
			lbs, err := unix.IoctlGetUint32(int(f.Fd()), unix.BLKSSZGET)
			if err != nil {
				t.Fatalf("%s: BLKSSZGET: %v", dev, err)
			}
			if int(lbs) != d.LogicalBlock {
				t.Errorf("%s: logical block size %d, want %d", dev, lbs, d.LogicalBlock)
			}
			if d.QueueSize != 0 {
				// The tests of blocking submissions need a shallow
				// queue, which mountdisk sets.
				if n := blockAttr(t, dev, "queue/nr_requests"); n != d.QueueSize {
					t.Errorf("%s: request queue (queue/nr_requests) %d, want %d", dev, n, d.QueueSize)
				}
			}
			if d == testvm.Ext4 {
				return
			}
			// The package finds the same block size, through statx or
			// BLKSSZGET.
			if _, align := openDisk(t, newContext(t, 1), d).Alignment(); align != d.LogicalBlock {
				t.Errorf("%s: File.Alignment reports offsets in multiples of %d, want %d", dev, align, d.LogicalBlock)
			}
			for _, off := range []int64{0, d.Size - 4096} {
				p := make([]byte, 4096)
				if _, err := f.ReadAt(p, off); err != nil {
					t.Fatal(err)
				}
				if err := testvm.Check(p, off, testvm.ImageSeed); err != nil {
					t.Errorf("%s: %v", dev, err)
				}
			}
		})
	}

	t.Run("ext4 mount", func(t *testing.T) {
		if err := testvm.CheckExt4(testvm.Ext4Mount); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(testvm.Ext4Path(testvm.SeedFile))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != testvm.SeedFileSize {
			t.Errorf("seed file has %d bytes, want %d", len(b), testvm.SeedFileSize)
		}
		if err := testvm.Check(b, 0, testvm.ImageSeed); err != nil {
			t.Error(err)
		}
		if tmp := os.TempDir(); tmp != testvm.Ext4Path(testvm.TempDir) {
			t.Errorf("TMPDIR is %s, want %s", tmp, testvm.Ext4Path(testvm.TempDir))
		}
	})
}
