package vmtests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// buildPackageTests builds the root package's test binary for the guest's
// architecture into dir, which the VM gets as a 9p directory of its own.
//
// It is not one of the test binaries that gouinit runs (see guestrun_test.go):
// guesttest.TestPackage runs it, in the guest's TMPDIR on the ext4 disk.
func buildPackageTests(dir string) error {
	return buildTest("github.com/linuxaio/aio", filepath.Join(dir, testvm.PackageTestsBinary))
}

// buildTest builds the test binary of the package pkg for the guest's
// architecture into the file out.
func buildTest(pkg, out string) error {
	cmd := exec.Command("go", "test", "-c", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+guestGOARCH(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v\n%s", cmd, err, out)
	}
	return nil
}
