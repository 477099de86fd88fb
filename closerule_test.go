package aio_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/linuxaio/aio"
)

// The rule for Close, which these tests hold every exported method of File,
// Context, Queue and Buf to: called after Close (Free for a Buf; for a File
// also after its Context's Close), or while Close runs, a method that can
// fail fails with an error matching aio.ErrClosed and os.ErrClosed, before
// it looks at its arguments; a method without an error returns what it
// returned before; nothing panics. Every Close (Free) returns what the first
// returned, once the first is done.

// A closedCase holds the objects of one test of the rule.
type closedCase struct {
	c   *aio.Context
	q   *aio.Queue
	f   *aio.File
	buf *aio.Buf

	// What the methods without an error returned while all was open.
	name      string
	direct    bool
	mem, off  int
	atomicMin int
	atomicMax int
	maxEvents int
	fd        uintptr
	locked    bool
}

// A closedCall is one exported method, called with arguments that it
// would refuse if it checked them before seeing that it is closed.
type closedCall struct {
	method string
	// call returns the method's error; for a method without one, value
	// returns what is wrong with its result, or nil.
	call  func(k *closedCase, ctx context.Context) error
	value func(k *closedCase, fileClosed bool) error
}

// closedCalls is every exported method of the four types. A method that is
// added to them must be added here: TestCloseRuleCoversEveryMethod says so.
var closedCalls = []closedCall{
	{method: "File.Alignment", value: func(k *closedCase, _ bool) error {
		if mem, off := k.f.Alignment(); mem != k.mem || off != k.off {
			return errorf("Alignment() = %d, %d; before Close %d, %d", mem, off, k.mem, k.off)
		}
		return nil
	}},
	{method: "File.Allocate", call: func(k *closedCase, _ context.Context) error { return k.f.Allocate(-1, 0) }},
	{method: "File.AllocateKeepSize", call: func(k *closedCase, _ context.Context) error { return k.f.AllocateKeepSize(-1, 0) }},
	{method: "File.AtomicWriteUnits", value: func(k *closedCase, _ bool) error {
		if lo, hi := k.f.AtomicWriteUnits(); lo != k.atomicMin || hi != k.atomicMax {
			return errorf("AtomicWriteUnits() = %d, %d; before Close %d, %d", lo, hi, k.atomicMin, k.atomicMax)
		}
		return nil
	}},
	{method: "File.Datasync", call: func(k *closedCase, _ context.Context) error { return k.f.Datasync() }},
	{method: "File.DatasyncContext", call: func(k *closedCase, ctx context.Context) error { return k.f.DatasyncContext(ctx) }},
	{method: "File.Direct", value: func(k *closedCase, _ bool) error {
		if k.f.Direct() != k.direct {
			return errorf("Direct() = %v; before Close %v", k.f.Direct(), k.direct)
		}
		return nil
	}},
	{method: "File.Fd", value: func(k *closedCase, fileClosed bool) error {
		want := k.fd
		if fileClosed {
			want = ^uintptr(0)
		}
		if fd := k.f.Fd(); fd != want {
			return errorf("Fd() = %d, want %d", fd, want)
		}
		return nil
	}},
	{method: "File.Name", value: func(k *closedCase, _ bool) error {
		if k.f.Name() != k.name {
			return errorf("Name() = %q; before Close %q", k.f.Name(), k.name)
		}
		return nil
	}},
	{method: "File.Read", call: func(k *closedCase, _ context.Context) error { _, err := k.f.Read(nil); return err }},
	{method: "File.ReadAt", call: func(k *closedCase, _ context.Context) error { _, err := k.f.ReadAt(nil, -1); return err }},
	{method: "File.ReadAtContext", call: func(k *closedCase, ctx context.Context) error {
		_, err := k.f.ReadAtContext(ctx, nil, -1, 1<<31)
		return err
	}},
	{method: "File.ReadvAtContext", call: func(k *closedCase, ctx context.Context) error {
		_, err := k.f.ReadvAtContext(ctx, make([][]byte, 5000), -1, 1<<31)
		return err
	}},
	{method: "File.Seek", call: func(k *closedCase, _ context.Context) error { _, err := k.f.Seek(-1, 99); return err }},
	{method: "File.SetPriority", value: func(k *closedCase, _ bool) error { k.f.SetPriority(0xffff); return nil }},
	{method: "File.SetStrictAlignment", value: func(k *closedCase, _ bool) error { k.f.SetStrictAlignment(true); return nil }},
	{method: "File.Stat", call: func(k *closedCase, _ context.Context) error { _, err := k.f.Stat(); return err }},
	{method: "File.Sync", call: func(k *closedCase, _ context.Context) error { return k.f.Sync() }},
	{method: "File.SyncContext", call: func(k *closedCase, ctx context.Context) error { return k.f.SyncContext(ctx) }},
	{method: "File.Truncate", call: func(k *closedCase, _ context.Context) error { return k.f.Truncate(-1) }},
	{method: "File.Write", call: func(k *closedCase, _ context.Context) error { _, err := k.f.Write([]byte{}); return err }},
	{method: "File.WriteAt", call: func(k *closedCase, _ context.Context) error { _, err := k.f.WriteAt(nil, -1); return err }},
	{method: "File.WriteAtContext", call: func(k *closedCase, ctx context.Context) error {
		_, err := k.f.WriteAtContext(ctx, make([]byte, 3), -1, 1<<31)
		return err
	}},
	{method: "File.WritevAtContext", call: func(k *closedCase, ctx context.Context) error {
		_, err := k.f.WritevAtContext(ctx, [][]byte{nil, make([]byte, 3)}, -1, 1<<31)
		return err
	}},

	{method: "Context.MaxEvents", value: func(k *closedCase, _ bool) error {
		if n := k.c.MaxEvents(); n != k.maxEvents {
			return errorf("MaxEvents() = %d; before Close %d", n, k.maxEvents)
		}
		return nil
	}},
	{method: "Context.NewFile", call: func(k *closedCase, _ context.Context) error { _, err := k.c.NewFile(nil); return err }},
	{method: "Context.NewQueue", call: func(k *closedCase, _ context.Context) error {
		_, err := k.c.NewQueue().Submit(nil)
		return err
	}},
	{method: "Context.OpenFile", call: func(k *closedCase, _ context.Context) error {
		_, err := k.c.OpenFile("", -1, 0)
		return err
	}},
	{method: "Context.Poll", call: func(k *closedCase, ctx context.Context) error { _, err := k.c.Poll(ctx, -1, 0); return err }},
	{method: "Context.Run", call: func(k *closedCase, ctx context.Context) error { return k.c.Run(ctx, nil, nil) }},
	{method: "Context.Submit", call: func(k *closedCase, _ context.Context) error { _, err := k.c.Submit(nil); return err }},
	{method: "Context.SubmitContext", call: func(k *closedCase, ctx context.Context) error {
		_, err := k.c.SubmitContext(ctx, &aio.Request{})
		return err
	}},
	{method: "Context.Wait", call: func(k *closedCase, ctx context.Context) error { _, err := k.c.Wait(ctx, nil, -1); return err }},

	{method: "Queue.Submit", call: func(k *closedCase, _ context.Context) error { _, err := k.q.Submit(nil); return err }},
	{method: "Queue.SubmitContext", call: func(k *closedCase, ctx context.Context) error {
		_, err := k.q.SubmitContext(ctx, &aio.Request{Op: 200})
		return err
	}},
	{method: "Queue.Wait", call: func(k *closedCase, ctx context.Context) error { _, err := k.q.Wait(ctx, nil, 0); return err }},

	{method: "Buf.Bytes", value: func(k *closedCase, _ bool) error {
		if b := k.buf.Bytes(); b != nil {
			return errorf("Bytes() of a freed Buf = %d bytes; want nil", len(b))
		}
		return nil
	}},
	{method: "Buf.Len", value: func(k *closedCase, _ bool) error {
		if n := k.buf.Len(); n != 0 {
			return errorf("Len() of a freed Buf = %d; want 0", n)
		}
		return nil
	}},
	{method: "Buf.Locked", value: func(k *closedCase, _ bool) error {
		if k.buf.Locked() != k.locked {
			return errorf("Locked() = %v; before Free %v", k.buf.Locked(), k.locked)
		}
		return nil
	}},
}

// The closing methods, which the tests call themselves.
var closingMethods = []string{"File.Close", "Context.Close", "Buf.Free"}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// newClosedCase opens a Context, a Queue, a File in dir and a Buf, and
// records what their methods without an error return.
func newClosedCase(t *testing.T, dir string) *closedCase {
	t.Helper()
	c, err := aio.NewContext(8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	f := openTemp(t, c, dir, 0)
	buf, err := aio.NewBuf(4096)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { buf.Free() })
	k := &closedCase{c: c, q: c.NewQueue(), f: f, buf: buf, name: f.Name(), direct: f.Direct(), maxEvents: c.MaxEvents(), fd: f.Fd(), locked: buf.Locked()}
	k.mem, k.off = f.Alignment()
	k.atomicMin, k.atomicMax = f.AtomicWriteUnits()
	return k
}

// TestCloseRuleCoversEveryMethod fails when an exported method of File,
// Context, Queue or Buf is missing from closedCalls.
func TestCloseRuleCoversEveryMethod(t *testing.T) {
	have := map[string]bool{}
	for _, m := range closingMethods {
		have[m] = true
	}
	for _, call := range closedCalls {
		if have[call.method] {
			t.Errorf("%s is in closedCalls twice", call.method)
		}
		have[call.method] = true
	}
	var missing []string
	for _, typ := range []any{(*aio.File)(nil), (*aio.Context)(nil), (*aio.Queue)(nil), (*aio.Buf)(nil)} {
		rt := reflect.TypeOf(typ)
		for i := range rt.NumMethod() {
			name := rt.Elem().Name() + "." + rt.Method(i).Name
			if !have[name] {
				missing = append(missing, name)
			}
			delete(have, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("methods with no case in closedCalls: %s", strings.Join(missing, ", "))
	}
	for name := range have {
		t.Errorf("closedCalls has %s, which is not an exported method", name)
	}
}

// TestCloseRule calls every method after Close: of the File alone (the File's
// methods), of the Context (every method; a File of it says that its
// Context is closed) and after Free (the Buf's).
func TestCloseRule(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, closing := range []string{"File", "Context"} {
		t.Run("after "+closing+".Close", func(t *testing.T) {
			k := newClosedCase(t, dir)
			var first error
			if closing == "File" {
				first = k.f.Close()
			} else {
				first = k.c.Close()
			}
			if err := k.buf.Free(); err != nil {
				t.Fatal(err)
			}
			for _, call := range closedCalls {
				typ, _, _ := strings.Cut(call.method, ".")
				if closing == "File" && typ != "File" && typ != "Buf" {
					continue // the Context is open
				}
				if call.value != nil {
					if err := call.value(k, closing == "File"); err != nil {
						t.Errorf("%s: %v", call.method, err)
					}
					continue
				}
				for _, ctx := range []context.Context{context.Background(), cancelled} {
					err := call.call(k, ctx)
					if !errors.Is(err, aio.ErrClosed) || !errors.Is(err, os.ErrClosed) {
						t.Errorf("%s after %s.Close: %v; want ErrClosed", call.method, closing, err)
						continue
					}
					want := "Context is closed"
					if closing == "File" {
						want = "file already closed"
					}
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s after %s.Close: %q does not say %q", call.method, closing, err, want)
					}
				}
			}
			// Closing again returns what the first Close returned.
			again := k.c.Close
			if closing == "File" {
				again = k.f.Close
			}
			if err := again(); err != first {
				t.Errorf("a second %s.Close: %v; the first returned %v", closing, err, first)
			}
			if err := k.buf.Free(); err != nil {
				t.Errorf("a second Buf.Free: %v; the first returned nil", err)
			}
			// A File of a closed Context still closes its descriptor.
			if closing == "Context" {
				fd := k.f.Fd()
				if err := k.f.Close(); err != nil {
					t.Errorf("File.Close after Context.Close: %v", err)
				}
				if k.f.Fd() != ^uintptr(0) {
					t.Errorf("Fd() after File.Close = %d (was %d)", k.f.Fd(), fd)
				}
			}
		})
	}
}

// TestCloseRuleConcurrent calls every method of the File, the Context and
// the Queue from goroutines while four goroutines close the File and then
// the Context, and the Buf while four free it: calls that finish before a
// Close may fail for their arguments, any later call fails with ErrClosed,
// nothing panics (or races, under -race), and every Close returns only once
// the first is done, with what it returned.
func TestCloseRuleConcurrent(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	for round := range 20 {
		k := newClosedCase(t, dir)
		var fileClosed, contextClosed, bufFreed atomic.Bool
		var callers, started sync.WaitGroup
		for _, call := range closedCalls {
			started.Add(1)
			callers.Go(func() {
				typ, _, _ := strings.Cut(call.method, ".")
				calls := 0
				defer func() {
					if calls < 2 {
						started.Done() // failed early
					}
				}()
				// Each caller goes on until it has made a few calls after
				// the Context's Close.
				for after := 0; after < 3; runtime.Gosched() {
					if calls++; calls == 2 {
						started.Done()
					}
					fileDone, ctxDone, bufDone := fileClosed.Load(), contextClosed.Load(), bufFreed.Load()
					if ctxDone {
						after++
					}
					closed := ctxDone || typ == "File" && fileDone || typ == "Buf" && bufDone
					if call.value != nil {
						switch {
						case typ != "Buf":
							if err := call.value(k, fileDone); err != nil && (closed || call.method != "File.Fd") {
								t.Errorf("round %d: %s: %v", round, call.method, err)
								return
							}
						case bufDone:
							if err := call.value(k, true); err != nil {
								t.Errorf("round %d: %s after Free: %v", round, call.method, err)
								return
							}
						default:
							k.buf.Len()
							k.buf.Bytes()
						}
						continue
					}
					err := call.call(k, context.Background())
					if closed && !errors.Is(err, aio.ErrClosed) {
						t.Errorf("round %d: %s after Close: %v; want ErrClosed", round, call.method, err)
						return
					}
				}
			})
		}
		started.Wait()
		closeAll := func(what string, closeFn func() error, done *atomic.Bool, check func() error) {
			results := make(chan error, 4)
			for range 4 {
				go func() {
					err := closeFn()
					if cerr := check(); cerr != nil {
						err = cerr
					}
					results <- err
				}()
			}
			var errs []error
			for range 4 {
				errs = append(errs, <-results)
			}
			done.Store(true)
			for _, err := range errs[1:] {
				if err != errs[0] {
					t.Errorf("round %d: concurrent %s returned %v and %v", round, what, errs[0], err)
				}
			}
		}
		closeAll("File.Close", k.f.Close, &fileClosed, func() error {
			if k.f.Fd() != ^uintptr(0) {
				return errors.New("File.Close returned before the descriptor was closed")
			}
			return nil
		})
		closeAll("Buf.Free", k.buf.Free, &bufFreed, func() error {
			if k.buf.Bytes() != nil {
				return errors.New("Buf.Free returned before the memory was unmapped")
			}
			return nil
		})
		closeAll("Context.Close", k.c.Close, &contextClosed, func() error {
			if _, err := k.c.OpenFile(k.name, os.O_RDONLY, 0); !errors.Is(err, aio.ErrClosed) {
				return errorf("Context.Close returned before the Context was closed: OpenFile gives %v", err)
			}
			return nil
		})
		callers.Wait()
	}
}
