package vmtests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// The guest runs two test binaries: the guest tests (package guesttest),
// which gouinit finds in vmtest's shared directory, and the root package's
// own tests, in a 9p directory of their own, which guesttest.TestPackage
// runs in the guest's TMPDIR on the ext4 disk.

// buildTests builds both binaries for goarch, into guestDir and pkgDir.
func buildTests(goarch, guestDir, pkgDir string) error {
	if err := buildTest(guestTestsPackage, guestTestsPath(guestDir), goarch); err != nil {
		return err
	}
	return buildTest(testvm.PackagePath, packageTestsPath(pkgDir), goarch)
}

// buildTest builds the test binary of the package pkg for goarch into the
// file out.
func buildTest(pkg, out, goarch string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	cmd := exec.Command("go", "test", "-c", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v\n%s", cmd, err, out)
	}
	return nil
}
