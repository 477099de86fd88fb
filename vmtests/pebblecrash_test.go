package vmtests

// TestPebbleCrash is the crash test of contrib/pebblevfs, on the same
// machinery as the log's (crash_test.go): a guest (the package
// contrib/pebblevfs/internal/vmcrash, built with the tag pebblecrash) opens
// a Pebble DB on the FS on the ext4 disk, commits batches with Sync from
// many goroutines and reports each acknowledged one; the host kills QEMU
// with SIGKILL at a random moment, boots the guest again on the same disk,
// and checks that every acknowledged batch is in the DB, whole, and that no
// writer's batches go on after a gap. The DB's tables, write-ahead logs and
// MANIFESTs are written with O_DIRECT through kernel AIO, the logs synced by
// RWF_DSYNC writes, so this is what checks that Pebble's durability holds on
// them.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linuxaio/aio/vmtests/internal/crashlog"
)

// pebbleCrashConfigs are the series of kills: both of QEMU's cache modes.
var pebbleCrashConfigs = []crashConfig{
	{"pebble-amd64-cache-none", "amd64", "none", 5, false},
	{"pebble-amd64-cache-writeback", "amd64", "writeback", 5, false},
	{"pebble-amd64-replay", "amd64", "writeback", 2, true},
}

const pebbleGuestPackage = "github.com/linuxaio/aio/contrib/pebblevfs/internal/vmcrash"

func TestPebbleCrash(t *testing.T) {
	if os.Getenv(envEnable) == "" {
		t.Skipf("the crash test boots QEMU for many minutes: run it with make vmtest, which sets %s=1", envEnable)
	}
	runCrashConfigs(t, "Pebble crash test", "batches", selectCrashConfigs(t, pebbleCrashConfigs), buildPebbleCrash)
}

// buildPebbleCrash builds, in dir, what the boots of goarch use, with the
// Pebble guest, whose binary also recovers replayed images on the host.
func buildPebbleCrash(t *testing.T, goarch, dir string) *crashBuild {
	b := buildCrashVM(t, goarch, dir)
	b.guestPackage = pebbleGuestPackage
	b.binary = filepath.Join(dir, "vmcrash.test")
	if err := buildPebbleGuest(b.binary, goarch); err != nil {
		t.Fatal(err)
	}
	b.recoverReplayed = func(mnt string) (crashlog.Recovery, error) { return recoverPebble(b.binary, mnt) }
	return b
}

// buildPebbleGuest builds the guest's test binary for goarch into out. Its
// package is in the contrib/pebblevfs module, which the workspace leaves
// out so that Pebble's requirements never change what it builds: it is
// built there, on its own.
func buildPebbleGuest(out, goarch string) error {
	cmd := exec.Command("go", "test", "-c", "-tags", "pebblecrash", "-o", out, "./internal/vmcrash")
	cmd.Dir = filepath.Join("..", "contrib", "pebblevfs")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v\n%s", cmd, err, b)
	}
	return nil
}

// recoverPebble opens the guest's DB on the file system mounted on mnt with
// the guest's test binary, run on the host (it is built for the host's
// architecture), which prints what it found as JSON.
func recoverPebble(binary, mnt string) (crashlog.Recovery, error) {
	var r crashlog.Recovery
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "PEBBLEVFS_RECOVER_DIR="+filepath.Join(mnt, "pebble"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return r, fmt.Errorf("opening the DB: %v: %s%s", err, out, stderr.String())
	}
	line, _, _ := strings.Cut(string(out), "\n")
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return r, fmt.Errorf("the DB's recovery report %q: %w", line, err)
	}
	if len(r.PerWriter) != crashlog.Writers {
		return r, fmt.Errorf("the DB's recovery report has %d writers, want %d", len(r.PerWriter), crashlog.Writers)
	}
	return r, nil
}
