package guesttest

import (
	"bufio"
	"os"
	"os/exec"
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// TestPackage runs the root package's own tests on the guest's kernel and
// architecture; among them is the layout test, which checks the generated
// iocb and io_event types against this architecture's ABI. Their TMPDIR and
// AIO_TEST_DIR are on the ext4 disk, which supports O_DIRECT.
func TestPackage(t *testing.T) {
	guest.SkipIfNotInVM(t)
	// -test.short: the emulated guest is one to two orders of magnitude
	// slower than the host, where the long runs (the million requests of
	// TestLoad) happen. The guest has no mkfs.xfs for the XFS tests of
	// atomic writes and of Probe; TestAtomicRefused and TestProbe check
	// there what FlagAtomic does on the guest's kernel.
	cmd := exec.Command(testvm.PackageTestsPath, "-test.v", "-test.count=1", "-test.short", "-test.timeout=8m",
		"-test.skip=^Test(AtomicWrites|Probe)OnXFS$")
	cmd.Dir = os.TempDir()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Relay the output as it comes, so that a hang shows where it is.
	s := bufio.NewScanner(out)
	for s.Scan() {
		t.Log(s.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v", testvm.PackageTestsPath, err)
	}
}
