package vmtests

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/linuxaio/aio/internal/platform"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// A guest is one boot of a VM test: what QEMU is given.
type guest struct {
	vm        *platform.VM
	kernel    string // vmlinuz
	initramfs string
	disks     []guestDisk
	shares    []share
	params    []string // more kernel command line parameters
}

// A guestDisk is a disk of testvm and its image.
type guestDisk struct {
	disk  testvm.Disk
	image string
	cache string // QEMU's cache mode of the drive; empty for its default
	// writeLog, if set, is a file in which QEMU's blklogwrites driver
	// records every write, flush and discard the guest makes to the disk,
	// in dm-log-writes' format (see replay_test.go). The file must exist.
	writeLog string
}

// A share is a host directory that the guest mounts over 9p on
// /mount/9p/<tag>.
type share struct {
	dir, tag string
}

// The guest is run by QEMU directly, not through vmtest's qemu package,
// which knows only some architectures (not s390x or ppc64le) and picks
// devices after them: here every architecture-dependent argument comes from
// its row in internal/platform. vmtest's guest commands (vmmount, gouinit,
// shutdownafter) need only what the kernel command line passes them.

// cmdline returns QEMU's arguments for g.
func (g *guest) cmdline() []string {
	args := append([]string{}, g.vm.Args...)
	// -nographic puts the console on standard output; -no-reboot with
	// panic=-1 makes a kernel panic end QEMU.
	args = append(args, "-nographic", "-no-reboot", "-kernel", g.kernel, "-initrd", g.initramfs)
	kernelArgs := append([]string{"console=" + g.vm.Console, "panic=-1", "VMTEST_IN_GUEST=1"}, g.params...)
	var attached []testvm.Disk
	for i, d := range g.disks {
		args = append(args, diskArgs(d, fmt.Sprintf("disk%d", i), g.vm.Bus)...)
		attached = append(attached, d.disk)
	}
	kernelArgs = append(kernelArgs, testvm.DisksParamValue(attached))
	for i, s := range g.shares {
		id := fmt.Sprintf("fsdev%d", i)
		// security_model=mapped-file gives the guest its own owners and
		// modes without privileges on the host.
		args = append(args,
			"-fsdev", fmt.Sprintf("local,id=%s,path=%s,security_model=mapped-file", id, s.dir),
			"-device", fmt.Sprintf("%s,fsdev=%s,mount_tag=%s", platform.VirtioDevice("9p", g.vm.P9Bus), id, s.tag))
		// vmmount mounts each VMTEST_MOUNT9P_<id>=<tag> on /mount/9p/<tag>.
		kernelArgs = append(kernelArgs, fmt.Sprintf("VMTEST_MOUNT9P_%s=%s", id, s.tag))
	}
	return append(args, "-append", strings.Join(kernelArgs, " "))
}

// errKernelPanic reports a guest kernel's panic.
var errKernelPanic = errors.New("the guest kernel panicked")

// run boots g and waits until QEMU exits or timeout passes, writing the
// console to the file log; each line also goes to onLine.
func (g *guest) run(timeout time.Duration, log *os.File, onLine func(string)) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := g.cmdline()
	fmt.Fprintf(log, "$ %s %s\n", g.vm.QEMU, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, g.vm.QEMU, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	panicked := false
	s := bufio.NewScanner(out)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		line := strings.TrimRight(s.Text(), "\r")
		fmt.Fprintln(log, line)
		onLine(line)
		if strings.Contains(line, "Kernel panic - not syncing") {
			panicked = true
		}
	}
	err = cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("the VM did not power off within %v", timeout)
	case err != nil:
		return fmt.Errorf("%s: %v", g.vm.QEMU, err)
	case panicked:
		return errKernelPanic
	}
	return nil
}

// diskArgs returns the QEMU arguments that attach gd, on the virtio
// transport bus for virtio disks.
func diskArgs(gd guestDisk, id, bus string) []string {
	d, img := gd.disk, gd.image
	drive := fmt.Sprintf("if=none,id=%s,", id)
	switch {
	case d.Faulty:
		// Both kinds of error go to the guest, rather than stopping the
		// VM, which is what werror's default does for ENOSPC.
		drive += faultyDriveOptions(img) + ",rerror=report,werror=report"
	case gd.writeLog != "":
		drive += fmt.Sprintf("driver=blklogwrites,file.driver=file,file.filename=%s,log.driver=file,log.filename=%s,log-sector-size=%d",
			img, gd.writeLog, d.LogicalBlock)
	default:
		drive += fmt.Sprintf("file=%s,format=raw", img)
	}
	if gd.cache != "" {
		drive += ",cache=" + gd.cache
	}
	if d.IOPS != 0 {
		drive += fmt.Sprintf(",throttling.iops-total=%d", d.IOPS)
	}

	dev := platform.VirtioDevice("blk", bus)
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
