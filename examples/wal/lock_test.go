package wal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/linuxaio/aio/examples/wal"
	"golang.org/x/sys/unix"
)

// TestOpenLocked opens a log twice, with every pair of kinds: the second
// Open fails with ErrLocked, naming the file, until the first log is
// closed.
func TestOpenLocked(t *testing.T) {
	for _, first := range kinds {
		for _, second := range kinds {
			t.Run(first.name+"/"+second.name, func(t *testing.T) {
				path := filepath.Join(testDir(t), "log")
				l, err := first.open(path, smallLog())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := l.Append(context.Background(), record(1, 100)); err != nil {
					t.Fatal(err)
				}
				l2, err := second.open(path, smallLog())
				checkLocked(t, path, l2, err)
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				if l2, err = second.open(path, smallLog()); err != nil {
					t.Fatalf("Open after the first log closed: %v", err)
				}
				checkReplay(t, l2, 1, 100)
				if err := l2.Close(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestOpenLockedElsewhere opens a log whose file another program holds the
// lock of, which a descriptor of its own stands for here.
func TestOpenLockedElsewhere(t *testing.T) {
	path := filepath.Join(testDir(t), "log")
	writeLog(t, path, 1, 100)
	other, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	rc, err := other.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var lockErr error
	if err := rc.Control(func(fd uintptr) { lockErr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB) }); err != nil || lockErr != nil {
		t.Fatalf("locking the log as another program would: %v, %v", err, lockErr)
	}
	for _, k := range kinds {
		l, err := k.open(path, smallLog())
		checkLocked(t, path, l, err)
	}
}

// checkLocked checks that an Open of a log that is open elsewhere failed
// as it should.
func checkLocked(t *testing.T, path string, l log, err error) {
	t.Helper()
	if err == nil {
		l.Close()
		t.Fatal("a second Open of a log that is open succeeded")
	}
	if !errors.Is(err, wal.ErrLocked) || !errors.Is(err, unix.EWOULDBLOCK) || !strings.Contains(err.Error(), path) {
		t.Errorf("a second Open of a log that is open: %v; want ErrLocked, wrapping EWOULDBLOCK, naming %s", err, path)
	}
}

// TestOpenConcurrently opens a new log from several goroutines at once,
// each keeping what it opened until all are done: one Open makes the log
// and has it, the others fail with ErrLocked.
func TestOpenConcurrently(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			for range 5 {
				path := filepath.Join(testDir(t), "log")
				const openers = 4
				var (
					logs  [openers]log
					errs  [openers]error
					start = make(chan struct{})
					wg    sync.WaitGroup
				)
				for i := range openers {
					wg.Go(func() {
						<-start
						logs[i], errs[i] = k.open(path, smallLog())
					})
				}
				close(start)
				wg.Wait()
				opened := 0
				for i := range openers {
					if errs[i] == nil {
						opened++
						logs[i].Close()
					} else if !errors.Is(errs[i], wal.ErrLocked) {
						t.Errorf("Open %d: %v, want nil or ErrLocked", i, errs[i])
					}
				}
				if opened != 1 {
					t.Fatalf("%d of %d concurrent Opens of a new log succeeded, want 1", opened, openers)
				}
			}
		})
	}
}
