package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckWritableLeavesFilesAlone checks that finding out whether a file
// can be written changes nothing: an existing file keeps its contents and
// a missing one is not left behind.
func TestCheckWritableLeavesFilesAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.json")
	if err := os.WriteFile(existing, []byte("last week's report"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkWritable(existing); err != nil {
		t.Errorf("an existing writable file: %v", err)
	}
	if data, _ := os.ReadFile(existing); string(data) != "last week's report" {
		t.Errorf("the existing file now holds %q", data)
	}
	missing := filepath.Join(dir, "new.json")
	if err := checkWritable(missing); err != nil {
		t.Errorf("a new file in a writable directory: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the check left %s behind: %v", missing, err)
	}
	if err := checkWritable(os.DevNull); err != nil {
		t.Errorf("%s: %v", os.DevNull, err)
	}
}

func TestCheckWritableRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for path, want := range map[string]string{
		filepath.Join(dir, "missing", "x.json"): "does not exist",
		dir:                                     "is a directory",
		"/sys/aiobench-report.json":             "cannot write",
	} {
		err := checkWritable(path)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("checkWritable(%s) = %v, want one line saying %q", path, err, want)
		}
	}
}
