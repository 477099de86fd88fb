package pebblevfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/vfstest"
)

// An outcome is what a call on a closed FS or file must give.
type outcome int

const (
	failsClosed  outcome = iota // an error matching os.ErrClosed
	keepsWorking                // its result on an open FS: the calls without an error
	closesAgain                 // what the first Close returned
)

// A methodCall calls one exported method of an FS (on is *FS) or of a file
// it returned (on is vfs.File) and returns its error, or for the methods
// without one, an error if the result is wrong.
type methodCall[T any] struct {
	method string
	want   outcome
	call   func(on T) error
}

// closedTestDir is the directory the calls of TestClosedFSMethods name:
// a table, a log and a regular file, and nothing called missing.
type closedTestDir struct {
	dir, table, log, plain, missing string
}

func newClosedTestDir(t *testing.T) closedTestDir {
	t.Helper()
	d := testDir(t)
	c := closedTestDir{
		dir:     d,
		table:   filepath.Join(d, "000001.sst"),
		log:     filepath.Join(d, "000002.log"),
		plain:   filepath.Join(d, "plain"),
		missing: filepath.Join(d, "missing"),
	}
	for _, name := range []string{c.table, c.log, c.plain} {
		if err := os.WriteFile(name, []byte("0123456789"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// closeFile closes f if the call that returned it succeeded.
func closeFile(f interface{ Close() error }, err error) error {
	if err == nil && f != nil {
		f.Close()
	}
	return err
}

// fsCalls calls every exported method of *FS, where it can fail with
// arguments that make it fail on an open FS, so that a closed FS must
// refuse them before it looks at them.
func fsCalls(d closedTestDir) []methodCall[*FS] {
	return []methodCall[*FS]{
		{"Close", closesAgain, func(fs *FS) error { return fs.Close() }},
		{"Create", failsClosed, func(fs *FS) error {
			return closeFile(fs.Create(filepath.Join(d.missing, "x.log"), vfs.WriteCategoryUnspecified))
		}},
		{"Link", failsClosed, func(fs *FS) error { return fs.Link(d.missing, filepath.Join(d.dir, "link")) }},
		{"Open", failsClosed, func(fs *FS) error { return closeFile(fs.Open(d.missing + ".sst")) }},
		{"Open", failsClosed, func(fs *FS) error { return closeFile(fs.Open(d.missing + ".log")) }},
		{"OpenReadWrite", failsClosed, func(fs *FS) error {
			return closeFile(fs.OpenReadWrite(filepath.Join(d.missing, "x"), vfs.WriteCategoryUnspecified))
		}},
		{"OpenDir", failsClosed, func(fs *FS) error { return closeFile(fs.OpenDir(d.missing)) }},
		{"Remove", failsClosed, func(fs *FS) error { return fs.Remove(d.missing) }},
		// os.RemoveAll refuses a path that ends in ".".
		{"RemoveAll", failsClosed, func(fs *FS) error { return fs.RemoveAll(d.missing + "/.") }},
		{"Rename", failsClosed, func(fs *FS) error { return fs.Rename(d.missing, filepath.Join(d.dir, "renamed")) }},
		{"ReuseForWrite", failsClosed, func(fs *FS) error {
			return closeFile(fs.ReuseForWrite(d.missing, filepath.Join(d.dir, "reused"), vfs.WriteCategoryUnspecified))
		}},
		{"MkdirAll", failsClosed, func(fs *FS) error { return fs.MkdirAll(filepath.Join(d.plain, "sub"), 0o755) }},
		{"Lock", failsClosed, func(fs *FS) error { return closeFile(fs.Lock(filepath.Join(d.missing, "LOCK"))) }},
		{"List", failsClosed, func(fs *FS) error { _, err := fs.List(d.missing); return err }},
		{"Stat", failsClosed, func(fs *FS) error { _, err := fs.Stat(d.missing); return err }},
		{"GetDiskUsage", failsClosed, func(fs *FS) error { _, err := fs.GetDiskUsage(d.missing); return err }},
		{"PathBase", keepsWorking, func(fs *FS) error { return wantString("PathBase", fs.PathBase("/a/b"), "b") }},
		{"PathJoin", keepsWorking, func(fs *FS) error { return wantString("PathJoin", fs.PathJoin("a", "b"), "a/b") }},
		{"PathDir", keepsWorking, func(fs *FS) error { return wantString("PathDir", fs.PathDir("/a/b"), "/a") }},
		{"Unwrap", keepsWorking, func(fs *FS) error {
			if vfs.Root(fs.Unwrap()) != vfs.Default {
				return fmt.Errorf("Unwrap returned a %T that does not wrap vfs.Default", fs.Unwrap())
			}
			return nil
		}},
	}
}

func wantString(call, got, want string) error {
	if got != want {
		return fmt.Errorf("%s returned %q, want %q", call, got, want)
	}
	return nil
}

// fileCalls calls every exported method of the files the FS returns, with
// arguments that make them fail on an open file where they can fail.
var fileCalls = []methodCall[vfs.File]{
	{"Close", closesAgain, func(f vfs.File) error { return f.Close() }},
	{"Read", failsClosed, func(f vfs.File) error { _, err := f.Read(make([]byte, 4)); return err }},
	{"ReadAt", failsClosed, func(f vfs.File) error { _, err := f.ReadAt(make([]byte, 4), -1); return err }},
	{"Write", failsClosed, func(f vfs.File) error { _, err := f.Write(nil); return err }},
	{"WriteAt", failsClosed, func(f vfs.File) error { _, err := f.WriteAt(make([]byte, 4), -1); return err }},
	{"Preallocate", failsClosed, func(f vfs.File) error { return f.Preallocate(-1, -1) }},
	{"Stat", failsClosed, func(f vfs.File) error { _, err := f.Stat(); return err }},
	{"Sync", failsClosed, func(f vfs.File) error { return f.Sync() }},
	{"SyncTo", failsClosed, func(f vfs.File) error { _, err := f.SyncTo(-1); return err }},
	{"SyncData", failsClosed, func(f vfs.File) error { return f.SyncData() }},
	{"Prefetch", failsClosed, func(f vfs.File) error { return f.Prefetch(-1, -1) }},
	{"Fd", failsClosed, func(f vfs.File) error {
		// Fd has no error: vfs.InvalidFd is how it says the file is closed.
		if f.Fd() == vfs.InvalidFd {
			return os.ErrClosed
		}
		return nil
	}},
}

// A fileKind is one way of getting a file from the FS.
type fileKind struct {
	name string
	open func(fs *FS, d closedTestDir) (vfs.File, error)
}

var fileKinds = []fileKind{
	{"direct table", func(fs *FS, d closedTestDir) (vfs.File, error) { return fs.Open(d.table, vfs.RandomReadsOption) }},
	{"table for sequential reads", func(fs *FS, d closedTestDir) (vfs.File, error) {
		return fs.Open(d.table, vfs.SequentialReadsOption)
	}},
	{"log", func(fs *FS, d closedTestDir) (vfs.File, error) { return fs.Open(d.log) }},
	{"created", func(fs *FS, d closedTestDir) (vfs.File, error) {
		return fs.Create(filepath.Join(d.dir, "created"), vfs.WriteCategoryUnspecified)
	}},
	{"created table", func(fs *FS, d closedTestDir) (vfs.File, error) {
		return fs.Create(filepath.Join(d.dir, "000009.sst"), vfs.WriteCategoryUnspecified)
	}},
	{"created log", func(fs *FS, d closedTestDir) (vfs.File, error) {
		return fs.Create(filepath.Join(d.dir, "000010.log"), vfs.WriteCategoryUnspecified)
	}},
	{"reused log", func(fs *FS, d closedTestDir) (vfs.File, error) {
		name := filepath.Join(d.dir, "000011.log")
		if err := os.WriteFile(name+".old", make([]byte, 10000), 0o644); err != nil {
			return nil, err
		}
		return fs.ReuseForWrite(name+".old", name, vfs.WriteCategoryUnspecified)
	}},
	{"read-write", func(fs *FS, d closedTestDir) (vfs.File, error) {
		return fs.OpenReadWrite(filepath.Join(d.dir, "readwrite"), vfs.WriteCategoryUnspecified)
	}},
	{"reused", func(fs *FS, d closedTestDir) (vfs.File, error) {
		name := filepath.Join(d.dir, "reused")
		if err := os.WriteFile(name+".old", nil, 0o644); err != nil {
			return nil, err
		}
		return fs.ReuseForWrite(name+".old", name, vfs.WriteCategoryUnspecified)
	}},
	{"directory", func(fs *FS, d closedTestDir) (vfs.File, error) { return fs.OpenDir(d.dir) }},
}

// A callResult is what a call returned, or what it panicked with.
type callResult struct {
	err      error
	panicked any
}

// try calls call and returns its result, or what it panicked with.
func try(call func() error) (r callResult) {
	defer func() { r.panicked = recover() }()
	return callResult{err: call()}
}

// checkClosedOutcome checks what a call of m gave on something that Close
// had begun to close, and whose first Close returned closeErr.
func checkClosedOutcome[T any](t *testing.T, what string, m methodCall[T], r callResult, closeErr error) {
	t.Helper()
	if r.panicked != nil {
		t.Errorf("%s: %s panicked: %v", what, m.method, r.panicked)
		return
	}
	err := r.err
	switch m.want {
	case failsClosed:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s: %s returned %v, want an error matching os.ErrClosed", what, m.method, err)
		}
	case keepsWorking:
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	case closesAgain:
		if err != closeErr {
			t.Errorf("%s: Close again returned %v; the first Close returned %v", what, err, closeErr)
		}
	}
}

// checkCovered fails unless calls has every exported method of typ, and
// only those.
func checkCovered[T any](t *testing.T, typ reflect.Type, calls []methodCall[T]) {
	t.Helper()
	covered := make(map[string]bool)
	for _, c := range calls {
		if _, ok := typ.MethodByName(c.method); !ok {
			t.Errorf("the table calls %s, which %v does not have", c.method, typ)
		}
		covered[c.method] = true
	}
	for i := range typ.NumMethod() {
		if name := typ.Method(i).Name; !covered[name] {
			t.Errorf("%v has the exported method %s, which the table does not call", typ, name)
		}
	}
}

// concurrentClosers is how many Closes race the calls in the concurrent
// part of TestClosedFSMethods, and concurrentRounds how many times.
const (
	concurrentClosers = 3
	concurrentRounds  = 20
)

// raceCloseAll makes the calls of calls on on, each in its own goroutine,
// and concurrentClosers Closes at once. Every Close must return the same,
// and be done when it returns: closed must then report it closed. It
// returns the calls' results and the Closes' result.
func raceCloseAll[T any](t *testing.T, what string, on T, closeFn, closed func() error, calls []methodCall[T]) ([]callResult, error) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	closeErrs := make([]error, concurrentClosers)
	for i := range closeErrs {
		wg.Go(func() {
			<-start
			closeErrs[i] = closeFn()
			if err := closed(); err != nil {
				t.Errorf("%s: after one of %d concurrent Closes returned: %v", what, concurrentClosers, err)
			}
		})
	}
	results := make([]callResult, len(calls))
	for i, c := range calls {
		wg.Go(func() {
			<-start
			results[i] = try(func() error { return c.call(on) })
		})
	}
	close(start)
	wg.Wait()
	for _, e := range closeErrs[1:] {
		if e != closeErrs[0] {
			t.Errorf("%s: concurrent Closes returned %v", what, closeErrs)
			break
		}
	}
	return results, closeErrs[0]
}

// checkRacingOutcome checks what a call of m gave when it raced Close: what
// it gives after Close, or, for a call that came first, what it gives on
// an open FS or file. failsOpen says whether that fails.
func checkRacingOutcome[T any](t *testing.T, what string, m methodCall[T], r callResult, closeErr error, failsOpen bool) {
	t.Helper()
	if m.want == failsClosed && r.panicked == nil && !errors.Is(r.err, os.ErrClosed) {
		if failsOpen && r.err == nil {
			t.Errorf("%s: %s racing Close returned nil, as neither an open nor a closed one does", what, m.method)
		}
		return
	}
	checkClosedOutcome(t, what+" racing Close", m, r, closeErr)
}

// TestClosedFSMethods calls every exported method of the FS, and of every
// kind of file it returns, after Close and concurrently with Close: each
// fails with an error matching os.ErrClosed before it checks its
// arguments, except Close, which returns what the first Close returned,
// and the FS's methods without an error, which keep working. A call that
// races Close may also complete as on an open FS. Every Close that returns
// has closed: a file of the wrapped FS is no longer open.
func TestClosedFSMethods(t *testing.T) {
	d := newClosedTestDir(t)
	tracked, dumpOpen := vfstest.WithOpenFileTracking(vfs.Default)
	newTestFS := func() *FS {
		fs, err := New(&Options{FS: tracked, MaxEvents: 8})
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	noneOpen := func() error {
		var open strings.Builder
		dumpOpen(&open)
		if open.Len() > 0 {
			return fmt.Errorf("files of the wrapped FS are open:\n%s", open.String())
		}
		return nil
	}
	calls := fsCalls(d)

	t.Run("FS", func(t *testing.T) {
		fs := newTestFS()
		checkCovered(t, reflect.TypeOf(fs), calls)
		// On an open FS, every call that can fail does.
		for _, c := range calls {
			if c.want != failsClosed {
				continue
			}
			if r := try(func() error { return c.call(fs) }); r.err == nil || errors.Is(r.err, os.ErrClosed) || r.panicked != nil {
				t.Errorf("%s on an open FS returned %v (panic %v), want an error other than os.ErrClosed", c.method, r.err, r.panicked)
			}
		}
		closeErr := fs.Close()
		for _, c := range calls {
			checkClosedOutcome(t, "after Close", c, try(func() error { return c.call(fs) }), closeErr)
		}
	})

	t.Run("FS/concurrent", func(t *testing.T) {
		for range concurrentRounds {
			fs := newTestFS()
			closed := func() error {
				if _, err := fs.Stat(d.dir); !errors.Is(err, os.ErrClosed) {
					return fmt.Errorf("Stat returned %v, want os.ErrClosed", err)
				}
				return noneOpen()
			}
			results, closeErr := raceCloseAll(t, "FS", fs, fs.Close, closed, calls)
			for i, c := range calls {
				checkRacingOutcome(t, "FS", c, results[i], closeErr, true)
			}
		}
	})

	fs := newTestFS()
	t.Cleanup(func() { fs.Close() })
	for _, k := range fileKinds {
		t.Run(k.name, func(t *testing.T) {
			f, err := k.open(fs, d)
			if err != nil {
				t.Fatal(err)
			}
			checkCovered(t, reflect.TypeOf(f), fileCalls)
			closeErr := f.Close()
			if err := noneOpen(); err != nil {
				t.Error(err)
			}
			for _, c := range fileCalls {
				checkClosedOutcome(t, "after Close", c, try(func() error { return c.call(f) }), closeErr)
			}
		})
		t.Run(k.name+"/concurrent", func(t *testing.T) {
			for range concurrentRounds {
				f, err := k.open(fs, d)
				if err != nil {
					t.Fatal(err)
				}
				closed := func() error {
					if _, err := f.Stat(); !errors.Is(err, os.ErrClosed) {
						return fmt.Errorf("Stat returned %v, want os.ErrClosed", err)
					}
					return noneOpen()
				}
				results, closeErr := raceCloseAll(t, k.name, f, f.Close, closed, fileCalls)
				for i, c := range fileCalls {
					// Some calls succeed on an open file.
					checkRacingOutcome(t, k.name, c, results[i], closeErr, false)
				}
			}
		})
	}
}

// TestCloseFSWithFilesOpen closes an FS with files open: the direct ones
// fail from then on and still close; those of the wrapped FS keep working
// until they are closed.
func TestCloseFSWithFilesOpen(t *testing.T) {
	d := newClosedTestDir(t)
	fs, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := fs.Open(d.table)
	if err != nil {
		t.Fatal(err)
	}
	log, err := fs.Open(d.log)
	if err != nil {
		t.Fatal(err)
	}
	created, err := fs.Create(filepath.Join(d.dir, "OPTIONS-000003"), vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	table, err := fs.Create(filepath.Join(d.dir, "000004.sst"), vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := table.(*directWriter); !ok {
		t.Fatalf("Create of a table gave a %T, want a direct writer", table)
	}
	// Bytes in the writer's memory when the FS closes can no longer be
	// written: its Close must say so.
	if _, err := table.Write([]byte("a block")); err != nil {
		t.Fatal(err)
	}
	if err := fs.Close(); err != nil {
		t.Fatal(err)
	}

	p := make([]byte, 4)
	if _, err := direct.ReadAt(p, 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("ReadAt of a direct file after the FS closed = %v, want os.ErrClosed", err)
	}
	for _, c := range fileCalls {
		if c.method == "Close" || c.method == "Fd" {
			continue
		}
		if r := try(func() error { return c.call(direct) }); !errors.Is(r.err, os.ErrClosed) || r.panicked != nil {
			t.Errorf("%s of a direct file after the FS closed = %v (panic %v), want os.ErrClosed", c.method, r.err, r.panicked)
		}
	}
	if direct.Fd() == vfs.InvalidFd {
		t.Error("a direct file lost its descriptor when the FS closed, before the file did")
	}
	if err := direct.Close(); err != nil {
		t.Errorf("Close of a direct file after the FS closed: %v", err)
	}
	if direct.Fd() != vfs.InvalidFd {
		t.Error("a closed direct file still has a descriptor")
	}

	if n, err := log.ReadAt(p, 2); n != 4 || err != nil || string(p) != "2345" {
		t.Errorf("ReadAt of the wrapped FS's file after the FS closed = %d, %v, %q", n, err, p)
	}
	if _, err := created.Write([]byte("record")); err != nil {
		t.Errorf("Write of the wrapped FS's file after the FS closed: %v", err)
	}
	if err := created.Sync(); err != nil {
		t.Errorf("Sync of the wrapped FS's file after the FS closed: %v", err)
	}
	for _, c := range fileCalls {
		if c.method == "Close" || c.method == "Fd" {
			continue
		}
		if r := try(func() error { return c.call(table) }); !errors.Is(r.err, os.ErrClosed) || r.panicked != nil {
			t.Errorf("%s of a direct writer after the FS closed = %v (panic %v), want os.ErrClosed", c.method, r.err, r.panicked)
		}
	}
	if err := table.Close(); err == nil || !errors.Is(err, os.ErrClosed) {
		t.Errorf("Close of a direct writer with bytes not yet written after the FS closed = %v, want an error matching os.ErrClosed", err)
	}
	for _, f := range []io.Closer{log, created} {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
}
