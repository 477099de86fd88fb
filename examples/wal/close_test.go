package wal_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/examples/wal"
)

// TestCloseWhileAppending closes the log under load: every Append returns,
// with nil or ErrClosed, every record acknowledged is there after a reopen,
// and no goroutine of the log is left.
func TestCloseWhileAppending(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			path := filepath.Join(testDir(t), "log")
			l, err := k.open(path, smallLog())
			if err != nil {
				t.Fatal(err)
			}
			const writers = 16
			var acked [writers]int
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := 0; ; i++ {
						_, err := l.Append(context.Background(), tagged(w, i, 100+i%700))
						if errors.Is(err, wal.ErrClosed) {
							return
						}
						if err != nil {
							t.Error(err)
							return
						}
						acked[w] = i + 1
					}
				})
			}
			time.Sleep(50 * time.Millisecond)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			l, err = k.open(path, smallLog())
			if err != nil {
				t.Fatal(err)
			}
			var have [writers]int
			if err := l.Replay(func(seq uint64, rec []byte) error {
				w, _, err := untag(rec)
				if err == nil {
					have[w]++
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			for w := range writers {
				if have[w] < acked[w] {
					t.Errorf("writer %d: %d records acknowledged, %d recovered", w, acked[w], have[w])
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > before {
				t.Errorf("%d goroutines after Close, %d before Open", n, before)
			}
		})
	}
}

// TestAppendCancelled gives Append a done context: it returns at once with
// the context's error or, if the record was durable first, nil.
func TestAppendCancelled(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			l, err := k.open(filepath.Join(testDir(t), "log"), smallLog())
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			for range 100 {
				if _, err := l.Append(ctx, []byte("x")); err != nil && !errors.Is(err, context.Canceled) {
					t.Fatalf("Append with a cancelled context: %v", err)
				}
			}
		})
	}
}

// TestSharedContext appends through a Context that the program also uses,
// with fewer slots than the log would keep in flight.
func TestSharedContext(t *testing.T) {
	c, err := aio.NewContext(2)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(testDir(t), "log")
	l, err := wal.Open(path, &wal.Options{Context: c, MaxInFlight: 8, Preallocate: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				if _, err := l.Append(context.Background(), tagged(i, j, 3000)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// The Context is the caller's: still open.
	f, err := c.OpenFile(path, 0, 0)
	if err != nil {
		t.Fatalf("the shared Context after the log's Close: %v", err)
	}
	f.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentClose calls Close from four goroutines at once while
// appenders run, on a healthy log and on one whose writes failed: every
// call returns only once the log's files are closed, and all return what
// the first returned.
func TestConcurrentClose(t *testing.T) {
	for _, k := range kinds {
		for _, state := range logStates {
			t.Run(k.name+"/"+state.name, func(t *testing.T) {
				l, path, writeErr := state.open(t, k.open)
				var stop atomic.Bool
				var appenders sync.WaitGroup
				for w := range 8 {
					appenders.Go(func() {
						for i := 0; !stop.Load(); i++ {
							if _, err := l.Append(context.Background(), tagged(w, i, 200)); errors.Is(err, wal.ErrClosed) {
								return
							}
						}
					})
				}
				time.Sleep(20 * time.Millisecond)
				const closers = 4
				var (
					errs  [closers]error
					open  [closers][]string
					start = make(chan struct{})
					wg    sync.WaitGroup
				)
				for i := range closers {
					wg.Go(func() {
						<-start
						errs[i] = l.Close()
						open[i] = openDescriptors(t, path)
					})
				}
				close(start)
				wg.Wait()
				stop.Store(true)
				appenders.Wait()
				for i := range closers {
					if len(open[i]) > 0 {
						t.Errorf("Close %d returned while descriptors %v of the log were open", i, open[i])
					}
					if errs[i] != errs[0] {
						t.Errorf("Close %d returned %v, but Close 0 returned %v: every Close must return what the first did", i, errs[i], errs[0])
					}
				}
				if writeErr == nil && errs[0] != nil {
					t.Errorf("Close of a healthy log: %v", errs[0])
				}
				if writeErr != nil && errs[0] == nil {
					t.Errorf("Close of a log whose writes failed (%v) returned nil", writeErr)
				}
			})
		}
	}
}

// A closing is what a check of a method called on a closed or closing log
// knows: whether the call may have been made before Close (during), the
// records the log recovered, the error of its writes, and, once done is
// closed, what Close returned.
type closing struct {
	during    bool
	writeErr  error
	recovered uint64
	done      chan struct{}
	closeErr  error
}

// closedMethods calls each exported method of the logs on a log that is
// closed, or closing, and says what is wrong with the results. After Close,
// every method but Recovered gives ErrClosed before it looks at its
// arguments (Close gives what the first Close gave); during Close, a method
// may also give what it would have given before.
var closedMethods = map[string]func(l log, c *closing) error{
	"Append": func(l log, c *closing) error {
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		for _, call := range []struct {
			name   string
			ctx    context.Context
			record []byte
			before func(seq uint64, err error) bool
		}{
			{"a record", context.Background(), []byte("x"), func(seq uint64, err error) bool {
				if c.writeErr != nil {
					return errors.Is(err, c.writeErr)
				}
				return err == nil && seq > 0
			}},
			{"a record over MaxRecordSize", context.Background(), make([]byte, closeOpts().MaxRecordSize+1), func(_ uint64, err error) bool {
				return errors.Is(err, wal.ErrTooLarge)
			}},
			{"a record with a cancelled context", cancelled, []byte("y"), func(_ uint64, err error) bool {
				return err == nil || errors.Is(err, context.Canceled) || c.writeErr != nil && errors.Is(err, c.writeErr)
			}},
		} {
			seq, err := l.Append(call.ctx, call.record)
			if errors.Is(err, wal.ErrClosed) && errors.Is(err, os.ErrClosed) && seq == 0 {
				continue
			}
			if !c.during || !call.before(seq, err) {
				return fmt.Errorf("Append of %s = %d, %v; want 0, ErrClosed", call.name, seq, err)
			}
		}
		return nil
	},
	"Replay": func(l log, c *closing) error {
		var n uint64
		err := l.Replay(func(seq uint64, rec []byte) error {
			n++
			if seq != n || string(rec) != string(record(seq, stateRecordMax)) {
				return fmt.Errorf("record %d is not the one appended", seq)
			}
			return nil
		})
		switch {
		case errors.Is(err, wal.ErrClosed) && !c.during && n > 0:
			return fmt.Errorf("Replay returned ErrClosed after giving %d records", n)
		case errors.Is(err, wal.ErrClosed):
		case !c.during || err != nil || n != c.recovered:
			return fmt.Errorf("Replay gave %d records and %v; want ErrClosed", n, err)
		}
		if err := l.Replay(nil); err != nil && !errors.Is(err, wal.ErrClosed) || err == nil && !c.during {
			return fmt.Errorf("Replay(nil) = %v, want ErrClosed", err)
		}
		return nil
	},
	"Recovered": func(l log, c *closing) error {
		if got := l.Recovered(); got != c.recovered {
			return fmt.Errorf("Recovered() = %d, want %d", got, c.recovered)
		}
		return nil
	},
	"Close": func(l log, c *closing) error {
		err := l.Close()
		<-c.done
		if err != c.closeErr {
			return fmt.Errorf("Close = %v, but the first Close returned %v", err, c.closeErr)
		}
		return nil
	},
}

// TestClosedLogMethods calls every exported method of both kinds of log
// after Close and while Close runs, on a healthy log and on one whose writes
// failed (see closedMethods).
func TestClosedLogMethods(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[*wal.Log](), reflect.TypeFor[*wal.GroupCommitLog]()} {
		for i := range typ.NumMethod() {
			if name := typ.Method(i).Name; closedMethods[name] == nil {
				t.Errorf("%v.%s is not in closedMethods: say there what it must do after Close", typ, name)
			}
		}
	}
	var names []string
	for name := range closedMethods {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, k := range kinds {
		for _, state := range logStates {
			for _, during := range []bool{false, true} {
				when := "after"
				if during {
					when = "during"
				}
				t.Run(fmt.Sprintf("%s/%s/%s", k.name, state.name, when), func(t *testing.T) {
					l, _, writeErr := state.open(t, k.open)
					c := &closing{during: during, writeErr: writeErr, recovered: stateRecords, done: make(chan struct{})}
					if !during {
						c.closeErr = l.Close()
						close(c.done)
						for _, name := range names {
							if err := closedMethods[name](l, c); err != nil {
								t.Errorf("%s after Close: %v", name, err)
							}
						}
						return
					}
					var wg sync.WaitGroup
					for _, name := range names {
						wg.Go(func() {
							for {
								closed := isDone(c.done)
								if err := closedMethods[name](l, c); err != nil {
									t.Errorf("%s during Close: %v", name, err)
									return
								}
								if closed {
									return
								}
							}
						})
					}
					time.Sleep(5 * time.Millisecond)
					c.closeErr = l.Close()
					close(c.done)
					wg.Wait()
				})
			}
		}
	}
}

func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
