package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// shmDir returns a fresh directory under /dev/shm, or skips the test where
// /proc/mounts does not show /dev/shm as a tmpfs.
func shmDir(t *testing.T) string {
	t.Helper()
	mounts, err := os.Open("/proc/mounts")
	if err != nil {
		t.Skip(err)
	}
	defer mounts.Close()
	tmpfs := false
	for lines := bufio.NewScanner(mounts); lines.Scan(); {
		if fields := strings.Fields(lines.Text()); len(fields) > 2 && fields[1] == "/dev/shm" {
			tmpfs = fields[2] == "tmpfs"
		}
	}
	if !tmpfs {
		t.Skip("/dev/shm is not a tmpfs here")
	}
	dir, err := os.MkdirTemp("/dev/shm", "aiobench-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestFileOnTmpfsIsRAM(t *testing.T) {
	t.Parallel()
	path := filepath.Join(shmDir(t), "data")
	if err := os.WriteFile(path, make([]byte, 8192), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := ramBacking(path, false); got != "a file on tmpfs" {
		t.Errorf("ramBacking(%s) = %q, want \"a file on tmpfs\"", path, got)
	}
	if got := ramBacking("/proc/self/status", false); got != "" {
		t.Errorf("a file on procfs is reported as RAM: %q", got)
	}
}

// TestTmpfsTargetsAreReportedAsRAM prepares targets as -file and -dir do on
// /dev/shm and checks that the report's header says they are RAM.
func TestTmpfsTargetsAreReportedAsRAM(t *testing.T) {
	t.Parallel()
	dir := shmDir(t)
	named, _, err := prepareTarget(&config{file: filepath.Join(dir, "named"), size: 1 << 20, blockSize: 4096})
	if err != nil {
		t.Skipf("tmpfs refuses O_DIRECT on this kernel: %v", err)
	}
	temporary, remove, err := prepareTarget(&config{dir: dir, size: 1 << 20, blockSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	for _, tgt := range []target{named, temporary} {
		if tgt.RAM != "a file on tmpfs" {
			t.Errorf("%s: RAM = %q, want \"a file on tmpfs\"", tgt.Path, tgt.RAM)
		}
		rep := &report{Pattern: "randread", BlockSize: 4096, Rounds: 1, Target: tgt}
		var out bytes.Buffer
		if err := rep.writeText(&out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "RAM: a file on tmpfs") {
			t.Errorf("the header does not say the target is in RAM:\n%s", out.String())
		}
	}
}

func TestLoopBackingFile(t *testing.T) {
	t.Parallel()
	sys := t.TempDir()
	if err := os.MkdirAll(filepath.Join(sys, "7:3", "loop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sys, "7:3", "loop", "backing_file"), []byte("/dev/shm/disk.img\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(sys, "8:0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := loopBackingFile(sys, 7, 3); got != "/dev/shm/disk.img" {
		t.Errorf("loop device 7:3: backing file %q, want /dev/shm/disk.img", got)
	}
	if got := loopBackingFile(sys, 8, 0); got != "" {
		t.Errorf("a disk that is no loop device has backing file %q", got)
	}
}

// TestLoopOverTmpfsIsRAM attaches a loop device to a file on /dev/shm, as
// bench/bench.sh does, which needs root and losetup.
func TestLoopOverTmpfsIsRAM(t *testing.T) {
	t.Parallel()
	losetup, err := exec.LookPath("losetup")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("attaching a loop device needs root and losetup")
	}
	image := filepath.Join(shmDir(t), "disk.img")
	if err := os.WriteFile(image, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(losetup, "-f", "--show", image).Output()
	if err != nil {
		t.Skipf("no loop device: %v", err)
	}
	device := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if err := exec.Command(losetup, "-d", device).Run(); err != nil {
			t.Errorf("detaching %s: %v", device, err)
		}
	})
	got := ramBacking(device, true)
	if !strings.Contains(got, "loop device over "+image) || !strings.Contains(got, "tmpfs") {
		t.Errorf("ramBacking(%s) = %q, want a loop device over %s on tmpfs", device, got, image)
	}
	if got := ramBacking("/dev/null", true); got != "" {
		t.Errorf("/dev/null is reported as RAM: %q", got)
	}
}
