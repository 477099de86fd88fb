package guesttest

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// TestPackage runs the root package's own tests on the guest's kernel and
// architecture; among them is the layout test, which checks the generated
// iocb and io_event types against this architecture's ABI. Their TMPDIR and
// AIO_TEST_DIR are on the ext4 disk, which supports O_DIRECT.
//
// The results go to the host as test2json events in
// testvm.PackageResultsPath, which the host checks test by test, as it does
// the guest tests' own.
func TestPackage(t *testing.T) {
	guest.SkipIfNotInVM(t)
	test2json, err := exec.LookPath("test2json")
	if err != nil {
		t.Fatal(err)
	}
	results, err := os.Create(testvm.PackageResultsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer results.Close()

	// -test.short: the emulated guest is one to two orders of magnitude
	// slower than the host, where the long runs (the million requests of
	// TestLoad) happen. The guest has no mkfs.xfs for the XFS tests of
	// atomic writes and of Probe; TestAtomicRefused and TestProbe check
	// there what FlagAtomic does on the guest's kernel. The TestDocs tests
	// hold the README and docs/ to the source, which the guest does not
	// have, and test nothing of the kernel.
	cmd := exec.Command(test2json, "-t", "-p", testvm.PackagePath, testvm.PackageTestsPath,
		"-test.v=test2json", "-test.count=1", "-test.short", "-test.timeout=8m",
		"-test.skip=^(Test(AtomicWrites|Probe)OnXFS|TestDocs.*)$")
	cmd.Dir = os.TempDir()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Keep the events for the host, and relay their output as it comes,
	// so that a hang shows where it is.
	s := bufio.NewScanner(io.TeeReader(out, results))
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		var e struct{ Output string }
		if json.Unmarshal(s.Bytes(), &e) == nil && e.Output != "" {
			t.Log(strings.TrimSuffix(e.Output, "\n"))
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("%s: %v (the host reports which tests failed)", testvm.PackageTestsPath, err)
	}
}
