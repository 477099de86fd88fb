package pebblevfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestStatRacingClose stats a direct file over and over while it is
// closed and other goroutines open and close another file, which takes the
// lowest free descriptor, so the one that Close releases soon names the
// other file. Each Stat must describe the table, or fail with os.ErrClosed;
// never describe the other file, nor fail otherwise.
func TestStatRacingClose(t *testing.T) {
	fs := newFS(t)
	dir := testDir(t)
	table := filepath.Join(dir, "000001.sst")
	const tableSize = 12345
	writeFile(t, fs, table, make([]byte, tableSize))
	tableInfo, err := os.Stat(table)
	if err != nil {
		t.Fatal(err)
	}
	tableIno := tableInfo.Sys().(*syscall.Stat_t).Ino
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, make([]byte, 777), 0o644); err != nil {
		t.Fatal(err)
	}

	// More threads than goroutines that spin (the opener, the one that
	// stats, this one while it waits for it), so that each has one.
	defer runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 4))

	stop := make(chan struct{})
	var opener sync.WaitGroup
	opener.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if f, err := os.Open(other); err == nil {
				f.Close()
			}
		}
	})
	defer func() {
		close(stop)
		opener.Wait()
	}()

	// statUntilClosed stats f until Stat fails, and returns an error if a
	// result was not the table's. It sets started after the first Stat.
	statUntilClosed := func(f vfs.File, started *atomic.Bool) error {
		for {
			fi, err := f.Stat()
			started.Store(true)
			if err != nil {
				if !errors.Is(err, os.ErrClosed) {
					return fmt.Errorf("Stat racing Close failed with %w, want os.ErrClosed", err)
				}
				return nil
			}
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok {
				return fmt.Errorf("Stat's Sys is a %T, want a *syscall.Stat_t", fi.Sys())
			}
			if fi.Size() != tableSize || st.Ino != tableIno {
				return fmt.Errorf("Stat racing Close described a file of %d bytes, inode %d; the table has %d bytes, inode %d", fi.Size(), st.Ino, tableSize, tableIno)
			}
		}
	}
	for range 300 {
		f, err := fs.Open(table)
		if err != nil {
			t.Fatal(err)
		}
		var started atomic.Bool
		statted := make(chan error)
		go func() { statted <- statUntilClosed(f, &started) }()
		// Close once the Stats have begun, from this goroutine, which
		// is running already: one woken for it could wait for a thread.
		for !started.Load() {
			runtime.Gosched()
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-statted; err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeviceID checks that a direct file's Stat gives the device and the
// name that vfs.Default's Stat of the same file does.
func TestDeviceID(t *testing.T) {
	fs := newFS(t)
	table := filepath.Join(testDir(t), "000001.sst")
	writeFile(t, fs, table, make([]byte, 4096))
	f, err := fs.Open(table)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := f.(*directFile); !ok {
		t.Fatalf("the table was opened as %T, not for direct reads", f)
	}
	got, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	want, err := vfs.Default.Stat(table)
	if err != nil {
		t.Fatal(err)
	}
	if got.DeviceID() != want.DeviceID() || got.Name() != want.Name() || got.Size() != want.Size() {
		t.Fatalf("Stat of the direct file: device %v, name %q, size %d; vfs.Default says %v, %q, %d",
			got.DeviceID(), got.Name(), got.Size(), want.DeviceID(), want.Name(), want.Size())
	}
}
