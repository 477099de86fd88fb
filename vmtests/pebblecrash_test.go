package vmtests

// TestPebbleCrash is the crash test of contrib/pebblevfs, on the same
// machinery as the log's (crash_test.go): a guest (the package
// contrib/pebblevfs/internal/vmcrash, built with the tag pebblecrash) opens
// a Pebble DB on the FS on the ext4 disk, commits batches with Sync from
// many goroutines and reports each acknowledged one; the host kills QEMU
// with SIGKILL at a random moment, boots the guest again on the same disk,
// and checks that every acknowledged batch is in the DB, whole, and that no
// writer's batches go on after a gap. The DB's tables and write-ahead logs
// are written with O_DIRECT through kernel AIO, the logs synced by RWF_DSYNC
// writes, so this is what checks that Pebble's durability holds on them.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// pebbleCrashConfigs are the series of kills: both of QEMU's cache modes.
var pebbleCrashConfigs = []crashConfig{
	{"pebble-amd64-cache-none", "amd64", "none", 5, false},
	{"pebble-amd64-cache-writeback", "amd64", "writeback", 5, false},
}

const pebbleGuestPackage = "github.com/linuxaio/aio/contrib/pebblevfs/internal/vmcrash"

func TestPebbleCrash(t *testing.T) {
	if os.Getenv(envEnable) == "" {
		t.Skipf("the crash test boots QEMU for many minutes: run it with make vmtest, which sets %s=1", envEnable)
	}
	configs := pebbleCrashConfigs
	if k := os.Getenv(envCrashKills); k != "" {
		var n int
		if _, err := fmt.Sscan(k, &n); err != nil || n < 1 {
			t.Fatalf("%s=%q: want a number of kills, 1 or more", envCrashKills, k)
		}
		configs = slices.Clone(configs)
		for i := range configs {
			configs[i].kills = n
		}
	}
	if names := os.Getenv(envCrashConfigs); names != "" {
		var named []crashConfig
		for _, c := range configs {
			if strings.Contains(","+names+",", ","+c.name+",") {
				named = append(named, c)
			}
		}
		configs = named
		if len(configs) == 0 {
			t.Skipf("%s=%q names none of the Pebble crash test's configurations", envCrashConfigs, names)
		}
	}
	logs, err := os.MkdirTemp("", "aio-pebblecrash-")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var b *crashBuild
	var summary []string
	for _, c := range configs {
		start := time.Now()
		var st crashStats
		t.Run(c.name, func(t *testing.T) {
			if b == nil {
				b = buildCrashVM(t, c.goarch, dir)
				b.guestPackage = pebbleGuestPackage
				b.binary = filepath.Join(dir, "vmcrash.test")
				if err := buildPebbleGuest(b.binary, c.goarch); err != nil {
					t.Fatal(err)
				}
			}
			st = crashSeries(t, c, b, logs)
		})
		summary = append(summary, fmt.Sprintf("%-30s %-24s %5d kills %8d batches acknowledged %8d recovered at the last boot %5d lost  %v",
			c.name, st.kernel, st.kills, st.acked, st.recovered, st.lost, time.Since(start).Round(time.Second)))
	}
	t.Logf("Pebble crash test summary (console logs in %s):\n%s", logs, strings.Join(summary, "\n"))
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
