package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// directDir returns a temporary directory on a filesystem with O_DIRECT.
func directDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	f, err := os.OpenFile(filepath.Join(dir, "probe"), os.O_RDWR|os.O_CREATE|syscall.O_DIRECT, 0o600)
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("unsupported here: %s has no O_DIRECT, which dcopy needs", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	return dir
}

func TestCopy(t *testing.T) {
	dir := directDir(t)
	for _, n := range []int{0, 1, 4095, 4096, 3<<20 + 1234} {
		for _, args := range [][]string{{"-q"}, {"-q", "-sync", "-chunk", "64k", "-depth", "2"}, {"-chunk", "4k"}} {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(i*13 + i>>12)
			}
			src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
			if err := os.WriteFile(src, data, 0o640); err != nil {
				t.Fatal(err)
			}
			// dst exists, longer: dcopy truncates it.
			if err := os.WriteFile(dst, make([]byte, n+10_000), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if err := run(append(args, src, dst), &stdout, &stderr); err != nil {
				t.Fatalf("%d bytes, %v: %v\n%s", n, args, err, stderr.String())
			}
			got, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("%d bytes, %v: the copy has %d bytes and differs", n, args, len(got))
			}
			if !strings.HasPrefix(stdout.String(), "copied ") || !strings.Contains(stdout.String(), " MB/s") {
				t.Errorf("%v: printed %q; want the measurements", args, stdout.String())
			}
			if slices.Contains(args, "-sync") != strings.Contains(stdout.String(), "durable") {
				t.Errorf("%v: printed %q; -sync and \"durable\" go together", args, stdout.String())
			}
		}
	}
}

func TestBadArguments(t *testing.T) {
	dir := directDir(t)
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{src}, "want a source and a destination"},
		{[]string{"-chunk", "lots", src, src + ".copy"}, "-chunk \"lots\": want a positive size"},
		{[]string{"-chunk", "1000", src, src + ".copy"}, "ChunkSize 1000 is not a positive multiple"},
		{[]string{"-depth", "0", src, src + ".copy"}, ""},
		{[]string{filepath.Join(dir, "missing"), src + ".copy"}, "no such file"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(tt.args, &stdout, &stderr)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%v: %v; want the default depth", tt.args, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v; want an error saying %q", tt.args, err, tt.want)
		}
	}
}
