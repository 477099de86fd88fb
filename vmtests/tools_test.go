package vmtests

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/linuxaio/aio/internal/platform"
)

// tools are the commands, besides QEMU, that the VM tests and
// kernels/fetch.sh run, and the Debian packages that provide them.
var tools = map[string]string{
	"qemu-io":   "qemu-utils",
	"depmod":    "kmod",
	"modprobe":  "kmod",
	"xz":        "xz-utils",
	"zstd":      "zstd",
	"mkfs.ext4": "e2fsprogs",
}

// installTools installs from Debian, with apt-get, the packages of the QEMU
// binaries of runs and of the tools that are missing.
func installTools(runs []platform.Run) error {
	var missing []string
	need := func(cmd, pkg string) {
		if _, err := exec.LookPath(cmd); err != nil && !slices.Contains(missing, pkg) {
			missing = append(missing, pkg)
		}
	}
	for cmd, pkg := range tools {
		need(cmd, pkg)
	}
	for _, r := range runs {
		need(r.Arch.VM.QEMU, r.Arch.VM.QEMUPackage)
	}
	if len(missing) == 0 {
		return nil
	}
	fmt.Fprintf(os.Stderr, "vmtests: installing %s\n", strings.Join(missing, " "))
	install := append([]string{"install", "-y", "-q", "--no-install-recommends"}, missing...)
	for _, args := range [][]string{{"update", "-q"}, install} {
		if err := retry(func() error { return aptGet(args...) }); err != nil {
			return err
		}
	}
	return nil
}

func aptGet(args ...string) error {
	cmd := exec.Command("apt-get", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// retry calls f up to five times, for mirrors that are briefly
// inconsistent.
func retry(f func() error) error {
	var err error
	for n := 1; n <= 5; n++ {
		if err = f(); err == nil {
			return nil
		}
		time.Sleep(time.Duration(n) * 5 * time.Second)
	}
	return err
}
