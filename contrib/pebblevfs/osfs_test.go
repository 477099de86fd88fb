package pebblevfs

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// selfWrappingFS is an FS whose Unwrap returns itself.
type selfWrappingFS struct{ vfs.FS }

func (fs *selfWrappingFS) Unwrap() vfs.FS { return fs }

// uncomparableFS is an FS whose values == cannot compare.
type uncomparableFS struct {
	vfs.FS
	_ []byte
}

// TestNewRefusesOtherFS gives New an Options.FS whose files are not the
// operating system's at the same paths, or that cannot be unwrapped to
// find out: New must refuse it and say what it accepts.
func TestNewRefusesOtherFS(t *testing.T) {
	memHealth, closer := vfs.WithDiskHealthChecks(vfs.NewMem(), time.Second, nil, func(vfs.DiskSlowInfo) {})
	defer closer.Close()
	for _, c := range []struct {
		name string
		fs   vfs.FS
	}{
		{"memory", vfs.NewMem()},
		{"memory with disk health checks", memHealth},
		{"wrapping itself", &selfWrappingFS{FS: vfs.Default}},
		{"nil wrapper", (*selfWrappingFS)(nil)},
		{"of a type that is not comparable", uncomparableFS{FS: vfs.NewMem()}},
	} {
		fs, err := New(&Options{FS: c.fs})
		if err == nil {
			fs.Close()
			t.Errorf("New with an FS %s succeeded", c.name)
			continue
		}
		if !strings.Contains(err.Error(), "vfs.Default") {
			t.Errorf("New with an FS %s: %q does not say which FS it wants", c.name, err)
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// TestNewAcceptsWrappedDefault runs the FS over wrappers of vfs.Default:
// what is written through the wrapper is what the direct file reads.
func TestNewAcceptsWrappedDefault(t *testing.T) {
	health, closer := vfs.WithDiskHealthChecks(vfs.Default, time.Second, nil, func(vfs.DiskSlowInfo) {})
	defer closer.Close()
	for _, c := range []struct {
		name string
		fs   vfs.FS
	}{
		{"disk health checks", health},
		{"disk-full handler", vfs.OnDiskFull(vfs.Default, func() {})},
		{"both", vfs.OnDiskFull(health, func() {})},
	} {
		fs, err := New(&Options{FS: c.fs})
		if err != nil {
			t.Fatalf("New with %s: %v", c.name, err)
		}
		name := filepath.Join(testDir(t), "000001.sst")
		data := bytes.Repeat([]byte(c.name), 1000)
		writeFile(t, fs, name, data)
		f, err := fs.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := f.(*directFile); !ok {
			t.Errorf("with %s, Open of a table gave a %T, want a direct file", c.name, f)
		}
		p := make([]byte, len(data))
		if n, err := f.ReadAt(p, 0); n != len(data) || err != nil || !bytes.Equal(p, data) {
			t.Errorf("with %s, ReadAt of the table = %d, %v, and other bytes than were written", c.name, n, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := fs.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
