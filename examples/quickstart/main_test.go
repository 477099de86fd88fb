package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestQuickstart runs the program, in a directory of its own, and checks
// what it prints and that it leaves nothing behind.
func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	probe, err := os.OpenFile(filepath.Join(dir, "probe"), os.O_RDWR|os.O_CREATE|syscall.O_DIRECT, 0o600)
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("unsupported here: %s has no O_DIRECT, which the quick start needs", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	probe.Close()
	os.Remove(probe.Name())
	t.Chdir(dir)

	out, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	stdout := os.Stdout
	os.Stdout = out
	err = run()
	os.Stdout = stdout
	if err != nil {
		t.Fatalf("the quick start failed: %v", err)
	}
	printed, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	if want := `wrote 4096 bytes and read them back through kernel AIO: "hello, kernel AIO"` + "\n"; string(printed) != want {
		t.Errorf("the quick start printed %q; want %q", printed, want)
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if len(names) > 0 {
		t.Errorf("the quick start left %s behind", strings.Join(names, ", "))
	}
}
