package wal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A testLog is what the internal tests use of both kinds of log.
type testLog interface {
	Append(ctx context.Context, record []byte) (uint64, error)
	Recovered() uint64
	Close() error
}

// A logKind opens one kind of log, for the internal tests.
type logKind struct {
	name string
	open func(path string, opts *Options) (testLog, error)
}

var logKinds = []logKind{
	{"aio", func(path string, opts *Options) (testLog, error) { return asTestLog(Open(path, opts)) }},
	{"groupcommit", func(path string, opts *Options) (testLog, error) { return asTestLog(OpenGroupCommit(path, opts)) }},
}

// logDir returns a directory for logs, on a filesystem with O_DIRECT: in
// AIO_TEST_DIR if it is set, else a temporary directory.
func logDir(t testing.TB) string {
	dir := os.Getenv("AIO_TEST_DIR")
	if dir == "" {
		return t.TempDir()
	}
	d, err := os.MkdirTemp(dir, "wal-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// asTestLog keeps a failed Open's nil pointer out of the interface.
func asTestLog[L testLog](l L, err error) (testLog, error) {
	if err != nil {
		return nil, err
	}
	return l, nil
}

// The steps of making a log, in order, after each of which createHook is
// called; a file of zeroes made a log in place has the middle two.
var createSteps = []string{"temporary file open", "header written", "header durable", "linked"}

var errCrash = errors.New("a crash, simulated")

// crashAfter makes the making of a log stop after step, as a crash there
// would, until the test ends; check is called at each step before.
func crashAfter(t *testing.T, step string, check func(step string)) {
	t.Cleanup(func() { createHook = nil })
	createHook = func(s string) error {
		check(s)
		if s == step {
			return errCrash
		}
		return nil
	}
}

// TestCreateCrash stops the making of a new log after each of its steps, as
// a crash would, with an unnamed file and with a named temporary one: until
// the new log is linked there is no file at its path, and after the crash
// either there is none or Open opens it as a new log.
func TestCreateCrash(t *testing.T) {
	for _, named := range []bool{false, true} {
		temp := "unnamed"
		if named {
			temp = "named"
		}
		for _, k := range logKinds {
			for _, step := range createSteps {
				t.Run(k.name+"/"+temp+"/"+step, func(t *testing.T) {
					namedTempOnly = named
					t.Cleanup(func() { namedTempOnly = false })
					dir := logDir(t)
					path := filepath.Join(dir, "log")
					var seen []string
					crashAfter(t, step, func(s string) {
						seen = append(seen, s)
						_, err := os.Lstat(path)
						if s != "linked" && !os.IsNotExist(err) {
							t.Errorf("after step %q, before the link: a file at the log's path (%v)", s, err)
						}
						checkTemp(t, dir, named)
					})
					l, err := k.open(path, &Options{Preallocate: 4096})
					if !errors.Is(err, errCrash) {
						if l != nil {
							l.Close()
						}
						t.Fatalf("Open = %v, want the crash after step %q (steps done: %q)", err, step, seen)
					}
					if want := createSteps[:slices.Index(createSteps, step)+1]; !slices.Equal(seen, want) {
						t.Errorf("steps done %q, want %q", seen, want)
					}
					createHook = nil
					checkRestart(t, k, path)
					checkTemp(t, dir, false)
				})
			}
		}
	}
}

// TestCreateCrashInPlace stops making a log in place of a file of zeroes
// after each of its steps: Open then opens it as a new log.
func TestCreateCrashInPlace(t *testing.T) {
	for _, k := range logKinds {
		for _, step := range createSteps[1:3] {
			t.Run(k.name+"/"+step, func(t *testing.T) {
				path := filepath.Join(logDir(t), "log")
				if err := os.WriteFile(path, make([]byte, 4096), 0o644); err != nil {
					t.Fatal(err)
				}
				crashAfter(t, step, func(string) {})
				if l, err := k.open(path, &Options{Preallocate: 4096}); !errors.Is(err, errCrash) {
					if l != nil {
						l.Close()
					}
					t.Fatalf("Open = %v, want the crash after step %q", err, step)
				}
				createHook = nil
				checkRestart(t, k, path)
			})
		}
	}
}

// TestCreateLosesRace makes another log at the path while a log is being
// made there: the first Open opens that one.
func TestCreateLosesRace(t *testing.T) {
	for _, k := range logKinds {
		t.Run(k.name, func(t *testing.T) {
			path := filepath.Join(logDir(t), "log")
			t.Cleanup(func() { createHook = nil })
			createHook = func(step string) error {
				if step != "header durable" {
					return nil
				}
				createHook = nil
				other, err := k.open(path, &Options{Preallocate: 4096})
				if err != nil {
					return err
				}
				if _, err := other.Append(context.Background(), []byte("the other log's")); err != nil {
					return err
				}
				return other.Close()
			}
			l, err := k.open(path, &Options{Preallocate: 4096})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if got := l.Recovered(); got != 1 {
				t.Errorf("Recovered() = %d, want 1, the record of the log made meanwhile", got)
			}
		})
	}
}

// checkRestart opens the log at path after a crash while it was being
// made, as the next run of the program would: Open must make it, or find
// it new.
func checkRestart(t *testing.T, k logKind, path string) {
	t.Helper()
	_, statErr := os.Lstat(path)
	l, err := k.open(path, &Options{Preallocate: 4096})
	if err != nil {
		t.Fatalf("Open after the crash (file there before: %v): %v", statErr == nil, err)
	}
	if got := l.Recovered(); got != 0 {
		t.Errorf("Recovered() = %d after a crash while the log was made, want 0", got)
	}
	if _, err := l.Append(context.Background(), []byte("after the crash")); err != nil {
		t.Error(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkTemp checks that dir has a temporary file of a log being made if
// named is set, and no other file than the log.
func checkTemp(t *testing.T, dir string, named bool) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var temps []string
	for _, e := range entries {
		if e.Name() != "log" {
			temps = append(temps, e.Name())
		}
	}
	switch {
	case named && (len(temps) != 1 || !strings.HasPrefix(temps[0], ".log.new-")):
		t.Errorf("files %q beside the log, want one temporary file .log.new-*", temps)
	case !named && len(temps) > 0:
		t.Errorf("files %q beside the log, want none", temps)
	}
}
