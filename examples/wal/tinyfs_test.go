package wal_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linuxaio/aio/examples/wal"
	"golang.org/x/sys/unix"
)

// tinyFS mounts a tmpfs of size bytes on a new directory and returns the
// directory; it is unmounted when the test ends. The test is skipped where
// the process may not mount (it needs CAP_SYS_ADMIN), or tmpfs has no
// O_DIRECT.
func tinyFS(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("unsupported here: mounting a tmpfs of %d bytes on %s (it needs CAP_SYS_ADMIN): %v", size, dir, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmounting the tmpfs on %s: %v", dir, err)
		}
	})
	probe := filepath.Join(dir, "probe")
	fd, err := unix.Open(probe, unix.O_RDWR|unix.O_CREAT|unix.O_DIRECT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		t.Skipf("unsupported here: a file with O_DIRECT on tmpfs (Linux 6.6 and later): %v", err)
	}
	unix.Close(fd)
	if err := os.Remove(probe); err != nil {
		t.Fatal(err)
	}
	return dir
}

// closeOpts are the options of the logs of the tests of Close.
func closeOpts() *wal.Options {
	return &wal.Options{Preallocate: 1 << 20, MaxInFlight: 8, MaxRecordSize: 64 << 10}
}

// A logState is a state of an open log that Close must handle. open opens
// a log in it with one kind of log: the log recovered records 1 to
// stateRecords (record(seq, stateRecordMax)). It returns the log, its path,
// and the error the log's writes failed with (nil if they did not).
type logState struct {
	name string
	open func(t *testing.T, open func(string, *wal.Options) (log, error)) (l log, path string, writeErr error)
}

const (
	stateRecords   = 20
	stateRecordMax = 300
)

var logStates = []logState{
	{"healthy", func(t *testing.T, open func(string, *wal.Options) (log, error)) (log, string, error) {
		path := filepath.Join(testDir(t), "log")
		return reopened(t, open, path), path, nil
	}},
	// The log is on a tmpfs of 2 MiB: its preallocation, 1 MiB ahead of
	// the log, runs out of space, and the log stops with ENOSPC.
	{"failed", func(t *testing.T, open func(string, *wal.Options) (log, error)) (log, string, error) {
		path := filepath.Join(tinyFS(t, 2<<20), "log")
		l := reopened(t, open, path)
		rec := make([]byte, 64<<10)
		for range 64 {
			if _, err := l.Append(context.Background(), rec); err != nil {
				if !strings.Contains(err.Error(), unix.ENOSPC.Error()) {
					t.Fatalf("filling the tmpfs of 2 MiB: %v, want an error of ENOSPC", err)
				}
				return l, path, err
			}
		}
		l.Close()
		t.Fatalf("%d appends of 64 KiB to a log on a tmpfs of 2 MiB all succeeded", 64)
		return nil, "", nil
	}},
}

// reopened writes records 1 to stateRecords to a new log at path and
// returns the log opened again.
func reopened(t *testing.T, open func(string, *wal.Options) (log, error), path string) log {
	t.Helper()
	l, err := open(path, closeOpts())
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= stateRecords; i++ {
		if _, err := l.Append(context.Background(), record(i, stateRecordMax)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l, err = open(path, closeOpts()); err != nil {
		t.Fatal(err)
	}
	return l
}

// openDescriptors returns the descriptors of this process that are open on
// the file at path.
func openDescriptors(t *testing.T, path string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("listing the process's descriptors: %v", err)
	}
	var open []string
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == path {
			open = append(open, fd.Name())
		}
	}
	return open
}
