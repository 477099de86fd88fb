package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTemporaryTargetIsRemoved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tgt, remove, err := prepareTarget(&config{dir: dir, size: 100_000, blockSize: 4096})
	if err != nil {
		t.Skipf("no O_DIRECT here: %v", err)
	}
	if !tgt.Temporary || tgt.Size != 24*4096 || filepath.Dir(tgt.Path) != dir {
		t.Errorf("target = %+v; want a temporary file in %s of 24 whole blocks", tgt, dir)
	}
	if info, err := os.Stat(tgt.Path); err != nil || info.Size() < tgt.Size {
		t.Errorf("the file is not filled: %v", err)
	}
	if err := remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tgt.Path); !os.IsNotExist(err) {
		t.Errorf("the temporary file is still there: %v", err)
	}
}

func TestNamedTargetIsCreatedAndKept(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data")
	tgt, remove, err := prepareTarget(&config{file: path, blockSize: 4096})
	if err != nil {
		t.Skipf("no O_DIRECT here: %v", err)
	}
	if tgt.Temporary || tgt.Size != defaultTargetSize {
		t.Errorf("target = %+v; want a kept file of the default size", tgt)
	}
	if err := remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("a file named with -file must be kept: %v", err)
	}
}

func TestExistingTargetIsExtendedOrLimited(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(path, make([]byte, 8192), 0o644); err != nil {
		t.Fatal(err)
	}
	tgt, _, err := prepareTarget(&config{file: path, blockSize: 4096})
	if err != nil {
		t.Skipf("no O_DIRECT here: %v", err)
	}
	if tgt.Size != 8192 {
		t.Errorf("size = %d, want all 8192 bytes of the file", tgt.Size)
	}
	if tgt, _, err = prepareTarget(&config{file: path, size: 4096, blockSize: 4096}); err != nil || tgt.Size != 4096 {
		t.Errorf("with -size 4k: size %d, %v; want 4096", tgt.Size, err)
	}
	if tgt, _, err = prepareTarget(&config{file: path, size: 1 << 20, blockSize: 4096}); err != nil || tgt.Size != 1<<20 {
		t.Errorf("with -size 1m: size %d, %v; want the file extended to 1 MiB", tgt.Size, err)
	}
	if info, _ := os.Stat(path); info.Size() != 1<<20 {
		t.Errorf("file is %d bytes, want 1 MiB", info.Size())
	}
}

func TestTargetErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, _, err := prepareTarget(&config{file: dir, blockSize: 4096}); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Errorf("a directory as target gave %v", err)
	}
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := prepareTarget(&config{file: small, blockSize: 4096}); err == nil || !strings.Contains(err.Error(), "smaller than one block") {
		t.Errorf("a 100-byte file gave %v", err)
	}
}

func TestNoDirectIOIsExplained(t *testing.T) {
	t.Parallel()
	// procfs, like every filesystem without direct I/O, refuses O_DIRECT
	// at open with EINVAL.
	err := checkDirectIO("/proc/self/status")
	if !errors.Is(err, errNoDirectIO) {
		t.Fatalf("checkDirectIO on procfs = %v, want errNoDirectIO", err)
	}
	for _, hint := range []string{"-dir", "-file"} {
		if !strings.Contains(err.Error(), hint) {
			t.Errorf("the error does not suggest %s: %v", hint, err)
		}
	}
}
