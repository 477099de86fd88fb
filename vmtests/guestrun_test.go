package vmtests

import (
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hugelgupf/vmtest/qemu/qevent"
	"github.com/u-root/gobusybox/src/pkg/golang"
	"github.com/u-root/mkuimage/uimage"
)

// TestVM runs the guest tests the way govmtest.Run does, with vmtest's guest
// commands: u-root's init starts shutdownafter, which powers the VM off once
// vmmount has mounted the 9p directories and gouinit has run every test
// binary under tests/ in vmtest's shared directory, appending test2json
// events to results.json there and the binaries that failed to errors.json.
// It does not call govmtest.Run, which builds the guest's binaries with
// GOARCH set to vmtest's name of the architecture: i386 for 32-bit x86,
// which is no GOARCH.

// The guest tests and where vmtest's guest commands look for them.
const (
	guestTestsPackage = "github.com/linuxaio/aio/vmtests/guesttest"
	// sharedTag is the 9p tag of vmtest's shared directory, mounted on
	// /mount/9p/gotestdata in the guest.
	sharedTag = "gotestdata"
)

// buildGuestTests builds the guest tests into the shared directory dir,
// where gouinit finds them and takes their package from their directory.
func buildGuestTests(dir string) error {
	return buildTest(guestTestsPackage,
		filepath.Join(dir, "tests", guestTestsPackage, path.Base(guestTestsPackage)+".test"))
}

// guestInitramfs returns the initramfs that runs the guest tests, followed
// by extra.
func guestInitramfs(extra ...uimage.Modifier) []uimage.Modifier {
	mods := []uimage.Modifier{
		uimage.WithBusyboxCommands(
			"github.com/u-root/u-root/cmds/core/init",
			"github.com/hugelgupf/vmtest/vminit/shutdownafter",
			"github.com/hugelgupf/vmtest/vminit/vmmount",
			"github.com/hugelgupf/vmtest/vminit/gouinit",
		),
		uimage.WithBinaryCommands("cmd/test2json"),
		uimage.WithInit("init"),
		uimage.WithUinit("shutdownafter", "--", "vmmount", "--", "gouinit",
			"-test_timeout="+guestPackageTimeout.String()),
	}
	mods = append(mods, extra...)
	// quimage sets GOARCH to vmtest's name of the architecture before
	// these modifiers run.
	return append(mods, uimage.WithEnv(golang.WithGOARCH(guestGOARCH())))
}

// guestTestEvent is the part of a test2json event that checkGuestResults
// reads.
type guestTestEvent struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// guestBinaryError is gouinit's report of a test binary that could not be
// started or did not exit with status 0.
type guestBinaryError struct {
	Binary string
	Error  string
}

// checkGuestResults reports, as failures of t, the guest tests that failed
// or did not finish and the test binaries that failed, according to the
// event files that gouinit wrote to the shared directory dir. It logs a
// skipped test as "Test <package>.<name> skipped", as govmtest.Run does.
func checkGuestResults(t *testing.T, dir string) {
	t.Helper()
	errs, err := qevent.ReadFile[guestBinaryError](filepath.Join(dir, "errors.json"))
	if err != nil {
		t.Errorf("reading the guest's errors: %v", err)
	}
	for _, e := range errs {
		t.Errorf("guest test binary %s: %s", e.Binary, e.Error)
	}

	events, err := qevent.ReadFile[guestTestEvent](filepath.Join(dir, "results.json"))
	if err != nil {
		t.Errorf("reading the guest's test results: %v", err)
	}
	type result struct {
		action string
		output strings.Builder
	}
	results := map[string]*result{}
	var names []string
	for _, e := range events {
		if e.Test == "" {
			continue
		}
		name := e.Package + "." + e.Test
		r := results[name]
		if r == nil {
			r = &result{}
			results[name] = r
			names = append(names, name)
		}
		r.output.WriteString(e.Output)
		if e.Action != "output" {
			r.action = e.Action
		}
	}
	if len(names) == 0 {
		t.Error("no guest test ran")
	}
	for _, name := range names {
		switch r := results[name]; r.action {
		case "pass", "bench":
		case "skip":
			t.Logf("Test %s skipped", name)
		case "fail":
			t.Errorf("Test %s failed:\n%s", name, &r.output)
		default:
			t.Errorf("Test %s did not finish (last event %q):\n%s", name, r.action, &r.output)
		}
	}
}
