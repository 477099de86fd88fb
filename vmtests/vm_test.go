// Package vmtests holds the VM tests, which boot a Linux kernel in QEMU and
// run, inside it, the guest halves in ./guesttest; one of them runs the root
// package's own tests.
// TestVM is the host half. For each architecture and kernel that it is asked
// for (internal/platform has the table of both), it fetches the Debian kernel
// (kernels/fetch.sh), builds the guest tests, the root package's test binary,
// the initramfs and the disk images for the guest's architecture, boots the
// VM with QEMU, and checks the test2json results of both test binaries.
// make vmtest runs it.
//
// The VM's devices (see internal/testvm), on the virtio transports of the
// architecture's row in internal/platform: PCI, but channel I/O (ccw) on
// s390x, and virtio-mmio for the 9p directories on 32-bit ARM. A machine
// whose QEMU has no NVMe controller (s390x) has no NVMe disk.
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
//	                            binary and its results, and what aio.Probe
//	                            found.
//	virtio-9p  tag aiopkg       the root package's test binary, aio.test,
//	                            and its results.
//
// The guest finds each disk by its serial number in /sys/block.
package vmtests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linuxaio/aio/internal/platform"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// QEMU emulates the guest without hardware help, which makes everything
// in it one to two orders of magnitude slower than on the host.
const (
	guestPackageTimeout = 10 * time.Minute
	vmTimeout           = 25 * time.Minute
)

// The environment that selects the runs, which make vmtest sets from its
// ARCHES and KERNELS (see platform.SelectRuns); without either, the runs are
// platform.DefaultRuns.
const (
	envEnable  = "AIO_VMTEST"
	envArches  = "AIO_VMTEST_ARCHES"
	envKernels = "AIO_VMTEST_KERNELS"
)

// TestVM runs the guest tests on every selected architecture and kernel.
func TestVM(t *testing.T) {
	if os.Getenv(envEnable) == "" {
		t.Skipf("the VM tests boot QEMU for many minutes: run them with make vmtest, which sets %s=1", envEnable)
	}
	runs := platform.DefaultRuns()
	if arches, kernels := os.Getenv(envArches), os.Getenv(envKernels); arches != "" || kernels != "" {
		if arches == "" {
			arches = "amd64"
		}
		var err error
		if runs, err = platform.SelectRuns(arches, kernels); err != nil {
			t.Fatal(err)
		}
	}
	if err := installTools(runs); err != nil {
		t.Fatal(err)
	}
	t.Run("blkdebug", func(t *testing.T) { checkBlkdebug(t, t.TempDir()) })

	logs, err := os.MkdirTemp("", "aio-vmtest-")
	if err != nil {
		t.Fatal(err)
	}
	builds := newArchBuilds(t)
	var summaries []*summary
	for _, run := range runs {
		s := &summary{run: run}
		summaries = append(summaries, s)
		if run.Broken != "" {
			t.Logf("%s is not run: %s", run.Name(), run.Broken)
			continue
		}
		start := time.Now()
		s.passed = t.Run(run.Name(), func(t *testing.T) { testRun(t, run, builds, logs, s) })
		s.elapsed = time.Since(start)
	}
	t.Logf("VM test summary (console logs in %s):\n%s", logs, summarize(summaries))
}

// testRun boots run's guest and checks its results, filling in s. A boot
// in which no guest test ran at all (the kernel could not be fetched, QEMU
// failed, the guest hung or panicked before its tests) is tried once more,
// since that is what a busy or flaky machine does, and the summary says so;
// a boot whose tests ran is never repeated, so a failing test fails the run.
func testRun(t *testing.T, run platform.Run, builds *archBuilds, logs string, s *summary) {
	failures, testsRan := bootRun(t, run, builds, filepath.Join(logs, strings.ReplaceAll(run.Name(), "/", "-")), s)
	if !testsRan && len(failures) > 0 {
		t.Logf("no guest test ran in the first boot, which is booted again:\n%s", strings.Join(failures, "\n"))
		s.retried = firstLine(failures[0])
		failures, _ = bootRun(t, run, builds, filepath.Join(logs, strings.ReplaceAll(run.Name(), "/", "-")+"-again"), s)
	}
	for _, f := range failures {
		t.Error(f)
	}
	if len(failures) > 0 {
		s.failure = firstLine(failures[0])
	}
}

// firstLine returns msg's first line, with the first line after it that
// says where a test failed or panicked, cut to a length that fits a table.
func firstLine(msg string) string {
	first, rest, _ := strings.Cut(msg, "\n")
	for _, line := range strings.Split(rest, "\n") {
		if strings.Contains(line, ".go:") || strings.Contains(line, "panic:") {
			first += " " + strings.TrimSpace(line)
			break
		}
	}
	if len(first) > 300 {
		first = first[:300] + "..."
	}
	return first
}

// bootRun boots run's guest once, writing its console to logBase+".log",
// and returns what failed and whether any guest test ran.
func bootRun(t *testing.T, run platform.Run, builds *archBuilds, logBase string, s *summary) (failures []string, testsRan bool) {
	kernelDir, err := fetchKernel(run)
	if err != nil {
		return []string{err.Error()}, false
	}
	s.kernel = filepath.Base(kernelDir)
	b, err := builds.get(run.Arch.GOARCH)
	if err != nil {
		return []string{err.Error()}, false
	}

	shared, pkgDir, dir := t.TempDir(), t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Dir(guestTestsPath(shared)), 0o755); err != nil {
		return []string{err.Error()}, false
	}
	for from, to := range map[string]string{b.guestTests: guestTestsPath(shared), b.packageTests: packageTestsPath(pkgDir)} {
		if err := os.Link(from, to); err != nil {
			return []string{err.Error()}, false
		}
	}
	g := &guest{
		vm:        run.Arch.VM,
		kernel:    filepath.Join(kernelDir, "vmlinuz"),
		initramfs: filepath.Join(dir, "initramfs.cpio"),
		shares:    []share{{shared, testvm.SharedTag}, {pkgDir, testvm.PackageTestsTag}},
	}
	if err := writeInitramfs(g.initramfs, b.initramfs, kernelDir); err != nil {
		return []string{err.Error()}, false
	}
	for _, d := range testvm.All {
		if d.NVMe && !run.Arch.VM.NVMe {
			continue
		}
		img := filepath.Join(dir, d.Serial+".img")
		if err := buildImage(d, img, dir); err != nil {
			return []string{err.Error()}, false
		}
		g.disks = append(g.disks, guestDisk{disk: d, image: img})
	}

	console, err := os.Create(logBase + ".log")
	if err != nil {
		return []string{err.Error()}, false
	}
	defer console.Close()
	t.Logf("booting Linux %s; console in %s", s.kernel, console.Name())
	var tail []string
	err = g.run(vmTimeout, console, func(line string) {
		if tail = append(tail, line); len(tail) > 200 {
			tail = tail[1:]
		}
	})
	if err != nil {
		last := ""
		for i := len(tail) - 1; i >= 0 && last == ""; i-- {
			last = strings.TrimSpace(tail[i])
		}
		failures = append(failures, fmt.Sprintf("%v (the console's last line: %q); its last lines:\n%s", err, last, strings.Join(tail, "\n")))
	}

	guestResults := checkEvents(filepath.Join(shared, "results.json"), readGuestEvents)
	guestResults.failures = append(guestResults.failures, checkBinaryErrors(filepath.Join(shared, "errors.json"))...)
	packageResults := checkEvents(filepath.Join(pkgDir, testvm.PackageResults), readTest2JSON)
	s.guest, s.pkg = guestResults, packageResults
	testsRan = guestResults.ran() || packageResults.ran()
	failures = append(failures, guestResults.failures...)
	failures = append(failures, packageResults.failures...)
	if b, err := os.ReadFile(filepath.Join(shared, testvm.ProbeResults)); err != nil {
		failures = append(failures, fmt.Sprintf("the guest reported no probe results: %v", err))
	} else if err := json.Unmarshal(b, &s.probe); err != nil {
		failures = append(failures, fmt.Sprintf("the guest's probe results: %v", err))
	}
	return failures, testsRan
}

// archBuilds builds what every run of an architecture shares, once: the
// two test binaries and the base initramfs.
type archBuilds struct {
	t     *testing.T
	dir   string
	built map[string]*archBuild
}

type archBuild struct {
	guestTests, packageTests, initramfs string
	err                                 error
}

func newArchBuilds(t *testing.T) *archBuilds {
	return &archBuilds{t: t, dir: t.TempDir(), built: map[string]*archBuild{}}
}

func (a *archBuilds) get(goarch string) (*archBuild, error) {
	if b := a.built[goarch]; b != nil {
		return b, b.err
	}
	dir := filepath.Join(a.dir, goarch)
	b := &archBuild{
		guestTests:   guestTestsPath(filepath.Join(dir, "guest")),
		packageTests: packageTestsPath(filepath.Join(dir, "pkg")),
		initramfs:    filepath.Join(dir, "base.cpio"),
	}
	a.built[goarch] = b
	scratch := filepath.Join(dir, "scratch")
	if b.err = os.MkdirAll(scratch, 0o755); b.err != nil {
		return b, b.err
	}
	if b.err = buildTests(goarch, filepath.Join(dir, "guest"), filepath.Join(dir, "pkg")); b.err != nil {
		return b, b.err
	}
	b.err = buildBaseInitramfs(a.t, goarch, b.initramfs, scratch)
	return b, b.err
}
