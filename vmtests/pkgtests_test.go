package vmtests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/hugelgupf/vmtest/qemu"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// buildPackageTests builds the root package's test binary for the guest's
// architecture into dir.
//
// TestVM builds it rather than handing the package to vmtest, which would
// copy the whole package directory next to the binary it built: the
// repository with its history and the kernel cache, and any stale aio.test
// lying there, over the fresh one.
func buildPackageTests(dir string) error {
	cmd := exec.Command("go", "test", "-c", "-o", filepath.Join(dir, testvm.PackageTestsBinary), "github.com/linuxaio/aio")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+string(qemu.GuestArch()), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v\n%s", cmd, err, out)
	}
	return nil
}
