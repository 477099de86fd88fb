package vmtests

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/linuxaio/aio/vmtests/internal/testvm"
	"github.com/u-root/gobusybox/src/pkg/golang"
	"github.com/u-root/mkuimage/cpio"
	"github.com/u-root/mkuimage/uimage"
	"github.com/u-root/uio/llog"
)

// The guest's initramfs is two cpio archives, one after the other, which the
// kernel unpacks in turn: the base, built once per architecture, and the
// modules of the kernel being booted. The base is u-root's init with vmtest's
// guest commands: init starts shutdownafter, which powers the VM off once
// mountdisk has mounted the ext4 disk, vmmount the 9p directories, and
// gouinit has run every test binary under tests/ in the shared directory,
// appending test2json events to results.json there and the binaries that
// failed to errors.json. init insmods /lib/modules/*.ko in lexical order.

// buildBaseInitramfs writes the base initramfs for goarch to out, using
// scratch for its build.
func buildBaseInitramfs(t *testing.T, goarch, out, scratch string) error {
	mods := []uimage.Modifier{
		uimage.WithEnv(golang.DisableCGO(), golang.WithGOARCH(goarch)),
		uimage.WithCPIOOutput(out),
		uimage.WithTempDir(scratch),
		uimage.WithBusyboxCommands(
			"github.com/u-root/u-root/cmds/core/init",
			"github.com/hugelgupf/vmtest/vminit/shutdownafter",
			"github.com/hugelgupf/vmtest/vminit/vmmount",
			"github.com/hugelgupf/vmtest/vminit/gouinit",
		),
		uimage.WithBinaryCommands("cmd/test2json", "github.com/linuxaio/aio/vmtests/internal/mountdisk"),
		uimage.WithInit("init"),
		uimage.WithUinit("mountdisk", "--", "shutdownafter", "--", "vmmount", "--", "gouinit",
			"-test_timeout="+guestPackageTimeout.String()),
		buildWithCache,
	}
	if err := uimage.Create(llog.Test(t), mods...); err != nil {
		return fmt.Errorf("building the initramfs for %s: %w", goarch, err)
	}
	return nil
}

// writeInitramfs writes to out the base initramfs followed by an archive of
// the kernel modules that kernels/fetch.sh put in kernelDir/modules, named
// so that init loads them in order.
func writeInitramfs(out, base, kernelDir string) error {
	modules, err := filepath.Glob(filepath.Join(kernelDir, "modules", "*.ko"))
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := os.Open(base)
	if err != nil {
		return err
	}
	defer b.Close()
	if _, err := io.Copy(f, b); err != nil {
		return err
	}

	w := cpio.Newc.Writer(f)
	records := []cpio.Record{cpio.Directory("lib", 0o755), cpio.Directory("lib/modules", 0o755)}
	for _, m := range modules {
		content, err := os.ReadFile(m)
		if err != nil {
			return err
		}
		records = append(records, cpio.StaticFile("lib/modules/"+filepath.Base(m), string(content), 0o644))
	}
	if err := cpio.WriteRecords(w, append(records, cpio.TrailerRecord)); err != nil {
		return err
	}
	return f.Close()
}

// guestTestsPackage is the package of the guest tests, which gouinit finds
// in the shared directory by its path.
const guestTestsPackage = "github.com/linuxaio/aio/vmtests/guesttest"

// guestTestsPath returns where in the shared directory dir gouinit looks for
// the guest tests' binary.
func guestTestsPath(dir string) string {
	return filepath.Join(dir, "tests", guestTestsPackage, "guesttest.test")
}

// packageTestsPath returns where in the package directory dir the guest
// looks for the root package's test binary.
func packageTestsPath(dir string) string {
	return filepath.Join(dir, testvm.PackageTestsBinary)
}
