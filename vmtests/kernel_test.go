package vmtests

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/linuxaio/aio/internal/platform"
)

// fetchKernel prepares, with kernels/fetch.sh, the Debian kernel of run and
// the modules its guest needs, and returns the directory that holds them
// (vmlinuz, modules/); its name is the kernel's release.
func fetchKernel(run platform.Run) (string, error) {
	vm := run.Arch.VM
	args := append([]string{run.Kernel.Suite, vm.DebianArch, vm.Flavour}, vm.Modules()...)
	cmd := exec.Command(filepath.Join("kernels", "fetch.sh"), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("kernels/fetch.sh %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return strings.TrimSpace(string(out)), nil
}
