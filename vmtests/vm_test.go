// Package vmtests holds the VM tests, which boot a Linux kernel in QEMU and
// run, inside it, the guest halves in ./guesttest; one of them runs the root
// package's own tests.
// TestVM is the host half: it builds the guest tests, the root package's
// test binary and the disk images for the guest's architecture, starts the VM
// with vmtest, and collects the guest tests' results (see guestrun_test.go).
// ./run.sh sets up QEMU and a kernel for each architecture (amd64, arm64, 386
// and arm) and runs TestVM for each.
//
// The VM's devices (see internal/testvm), all of them on PCI but the 9p ones
// on 32-bit ARM, which vmtest attaches through virtio-mmio:
//
//	virtio-blk serial aio-raw   4 MiB, 512-byte logical blocks; the pattern
//	                            with seed testvm.ImageSeed throughout.
//	virtio-blk serial aio-ext4  64 MiB ext4 file system (4 KiB blocks),
//	                            mounted on /mnt/aio-ext4 by mountdisk before
//	                            any test runs: file "seed" (66536 bytes of the
//	                            pattern) and directory "tmp", which is the
//	                            guest's TMPDIR and AIO_TEST_DIR.
//	virtio-blk serial aio-4k    4 MiB, 4096-byte logical and physical blocks;
//	                            the pattern throughout.
//	nvme       serial aio-nvme  4 MiB, 512-byte logical blocks; the pattern
//	                            throughout.
//	virtio-blk serial aio-faulty
//	                            4 MiB, 512-byte logical blocks; the pattern
//	                            throughout. Attached through QEMU's blkdebug
//	                            driver, which fails reads touching the
//	                            sectors testvm.FaultyReadSectors and writes
//	                            touching testvm.FaultyWriteSectors with EIO.
//	virtio-blk serial aio-slow  4 MiB, 512-byte logical blocks; the pattern
//	                            throughout. Throttled by QEMU to
//	                            testvm.Slow.IOPS requests per second, with a
//	                            virtqueue of testvm.Slow.QueueSize entries
//	                            and one queue, so that the guest's request
//	                            queue is shallow and an io_submit of more
//	                            O_DIRECT requests than it holds blocks.
//	virtio-9p  tag gotestdata   vmtest's shared directory: the guesttest
//	                            binary and its results.
//	virtio-9p  tag aiopkg       the root package's test binary, aio.test.
//
// The guest finds each disk by its serial number in /sys/block.
package vmtests

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hugelgupf/vmtest/qemu"
	"github.com/hugelgupf/vmtest/qemu/quimage"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
	"github.com/u-root/mkuimage/uimage"
)

// QEMU emulates the guest without hardware help, which makes everything
// in it one to two orders of magnitude slower than on the host.
const (
	guestPackageTimeout = 10 * time.Minute
	vmTimeout           = 25 * time.Minute
)

// TestVM runs the guest tests in a VM of the architecture VMTEST_ARCH.
func TestVM(t *testing.T) {
	qemu.SkipWithoutQEMU(t)

	shared := t.TempDir()
	if err := buildGuestTests(shared); err != nil {
		t.Fatal(err)
	}
	pkgTests := t.TempDir()
	if err := buildPackageTests(pkgTests); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	var qemuArgs []string
	for i, d := range testvm.All {
		img := filepath.Join(dir, d.Serial+".img")
		if err := buildImage(d, img, dir); err != nil {
			t.Fatal(err)
		}
		qemuArgs = append(qemuArgs, diskArgs(d, img, fmt.Sprintf("disk%d", i))...)
	}
	t.Run("blkdebug", func(t *testing.T) { checkBlkdebug(t, t.TempDir()) })

	vm := qemu.StartT(t, "vm", qemu.ArchUseEnvv,
		quimage.WithUimageT(t, guestInitramfs(
			uimage.WithFiles(kernelModules(t)...),
			uimage.WithBinaryCommands("github.com/linuxaio/aio/vmtests/internal/mountdisk"),
			runAfterMountdisk,
			buildWithCache,
		)...),
		qemu.WithVmtestIdent(),
		qemu.WithVMTimeout(vmTimeout),
		qemu.HaltOnKernelPanic(),
		qemu.P9Directory(shared, sharedTag),
		qemu.P9Directory(pkgTests, testvm.PackageTestsTag),
		qemu.ArbitraryArgs(qemuArgs...),
	)
	if err := vm.Wait(); err != nil {
		t.Errorf("VM exited with %v", err)
	}
	checkGuestResults(t, shared)
}

// diskArgs returns the QEMU arguments that attach the image img as d.
func diskArgs(d testvm.Disk, img, id string) []string {
	drive := fmt.Sprintf("if=none,id=%s,", id)
	if d.Faulty {
		// Both kinds of error go to the guest, rather than stopping the
		// VM, which is what werror's default does for ENOSPC.
		drive += faultyDriveOptions(img) + ",rerror=report,werror=report"
	} else {
		drive += fmt.Sprintf("file=%s,format=raw", img)
	}
	if d.IOPS != 0 {
		drive += fmt.Sprintf(",throttling.iops-total=%d", d.IOPS)
	}

	dev := "virtio-blk-pci"
	if d.NVMe {
		dev = "nvme"
	}
	device := fmt.Sprintf("%s,drive=%s,serial=%s,logical_block_size=%d,physical_block_size=%d",
		dev, id, d.Serial, d.LogicalBlock, d.LogicalBlock)
	if d.QueueSize != 0 {
		// One queue, whatever the number of CPUs, so that its size is the
		// device's whole depth.
		device += fmt.Sprintf(",queue-size=%d,num-queues=1", d.QueueSize)
	}
	return []string{"-drive", drive, "-device", device}
}

// kernelModules returns the initramfs entries for the modules that
// kernels/fetch.sh put next to the kernel, named so that u-root's init loads
// them in order.
func kernelModules(t *testing.T) []string {
	kernel := os.Getenv("VMTEST_KERNEL")
	if kernel == "" {
		t.Fatal("VMTEST_KERNEL is not set; ./run.sh sets it")
	}
	modules, err := filepath.Glob(filepath.Join(filepath.Dir(kernel), "modules", "*.ko"))
	if err != nil {
		t.Fatal(err)
	}
	files := make([]string, len(modules))
	for i, m := range modules {
		files[i] = m + ":lib/modules/" + filepath.Base(m)
	}
	return files
}

// runAfterMountdisk makes mountdisk the guest's uinit, running the uinit
// command line that vmtest configured once the ext4 disk is mounted.
func runAfterMountdisk(o *uimage.Opts) error {
	o.UinitArgs = append([]string{"--", o.UinitCmd}, o.UinitArgs...)
	o.UinitCmd = "mountdisk"
	return nil
}
