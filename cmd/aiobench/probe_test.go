package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProbeTable runs aiobench -probe on a temporary directory: it prints
// a line for every capability, the path first, and leaves nothing behind.
func TestProbeTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stderr := stderrFile(t)
	var stdout bytes.Buffer
	if code := run([]string{"-probe", dir}, &stdout, stderr); code != 0 {
		t.Fatalf("exit status %d; stderr: %s", code, readBack(t, stderr))
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	want := []string{"path", "kernel", "filesystem", "AIO (io_setup)", "io_pgetevents", "IOCB_CMD_POLL on a pipe",
		"O_DIRECT", "O_DIRECT alignment", "atomic write units", "RWF_NOWAIT", "RWF_APPEND", "RWF_DSYNC",
		"RWF_NOAPPEND", "RWF_ATOMIC", "RWF_DONTCACHE", "io_submit, O_DIRECT reads", "io_submit, O_DIRECT overwrites",
		"io_submit, O_DIRECT appends", "io_submit, buffered writes"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), stdout.String())
	}
	for i, what := range want {
		result, ok := strings.CutPrefix(lines[i], what+"  ")
		if !ok || strings.TrimSpace(result) == "" {
			t.Errorf("line %d is %q; want %s and its result", i+1, lines[i], what)
		}
	}
	if !strings.HasSuffix(lines[0], " "+dir) || !strings.Contains(lines[3], "yes") {
		t.Errorf("the table does not name %s, or says AIO does not work:\n%s", dir, stdout.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("-probe left %v behind", entries)
	}
}

// TestProbeOfAMissingPath gives -probe a path that does not exist: one line
// on stderr naming it, exit status 2, nothing on stdout.
func TestProbeOfAMissingPath(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing")
	stderr := stderrFile(t)
	var stdout bytes.Buffer
	code := run([]string{"-probe", missing}, &stdout, stderr)
	printed := readBack(t, stderr)
	if code != 2 || stdout.Len() > 0 {
		t.Errorf("exit status %d and %q on stdout; want 2 and nothing", code, stdout.String())
	}
	if strings.Count(printed, "\n") != 1 || !strings.Contains(printed, missing) || !strings.Contains(printed, "no such file or directory") {
		t.Errorf("printed %q; want one line naming %s and saying it does not exist", printed, missing)
	}
}
