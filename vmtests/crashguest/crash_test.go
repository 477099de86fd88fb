// Package crashguest is the guest half of the VM crash test (see
// vmtests/crash_test.go): on each boot it recovers the log on the ext4
// disk, checks every record and reports what it found, then appends from
// crashlog.Writers goroutines and reports each acknowledged record, until
// the host kills the VM, or, in the replay run (vmtests/replay_test.go),
// for a while, writing marks of what was acknowledged to the same disk.
package crashguest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio/examples/wal"
	"github.com/linuxaio/aio/vmtests/internal/crashlog"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// maxLog is the size past which a boot removes the log once it has
// checked it, so that the 64 MiB disk never fills.
const maxLog = 24 << 20

// TestCrash is the guest's whole part.
func TestCrash(t *testing.T) {
	guest.SkipIfNotInVM(t)
	shared := filepath.Join("/mount/9p", testvm.SharedTag)
	path := testvm.Ext4Path("wal.log")
	l, r, err := crashlog.Recover(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLog {
		r.Reset = true
	}
	if r.Bad > 0 {
		t.Errorf("%d bad records; the first: %s", r.Bad, r.Problem)
	}
	// The report says what this boot found, before any reset.
	writeJSON(t, filepath.Join(shared, crashlog.RecoveredFile), r)
	if r.Reset {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if l, err = wal.Open(path, crashlog.Options()); err != nil {
			t.Fatal(err)
		}
		clear(r.PerWriter)
	}
	mode := bootMode()
	if mode == crashlog.ModeRecover {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	var marks *marker
	if mode == crashlog.ModeReplay {
		if marks, err = newMarker(testvm.Ext4Path(crashlog.MarkFile)); err != nil {
			t.Fatal(err)
		}
		defer marks.close()
	}

	acks, err := os.Create(filepath.Join(shared, crashlog.AcksFile))
	if err != nil {
		t.Fatal(err)
	}
	defer acks.Close()
	if err := os.WriteFile(filepath.Join(shared, crashlog.AppendingFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	acked := make(chan [2]int, 1024)
	var failed, stop atomic.Bool
	var writers sync.WaitGroup
	for w := range crashlog.Writers {
		writers.Go(func() {
			for n := r.PerWriter[w]; !stop.Load(); n++ {
				if _, err := l.Append(context.Background(), crashlog.Record(w, n)); err != nil {
					failed.Store(true)
					t.Errorf("writer %d: %v", w, err)
					return
				}
				acked <- [2]int{w, n}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		writers.Wait()
		close(done)
	}()
	// The host kills the VM in ModeAppend; in ModeReplay the writers stop
	// after ReplayAppendTime.
	deadline := time.After(2 * time.Minute)
	var stopAt <-chan time.Time
	if marks != nil {
		stopAt = time.After(crashlog.ReplayAppendTime)
	}
	counts := slices.Clone(r.PerWriter)
	var line strings.Builder
	take := func(a [2]int) {
		fmt.Fprintf(&line, "%d %d\n", a[0], a[1])
		counts[a[0]] = a[1] + 1
	}
	for finished := false; !finished && !failed.Load(); {
		line.Reset()
		select {
		case a := <-acked:
			take(a)
		case <-stopAt:
			stop.Store(true)
			stopAt = nil
			continue
		case <-done:
			finished = true
		case <-deadline:
			t.Fatal("the host did not stop the VM within 2 minutes of appending")
		}
		for more := true; more; {
			select {
			case a := <-acked:
				take(a)
			default:
				more = false
			}
		}
		// Each report is written after its Append returned; QEMU's 9p
		// server has it in the host's file once write returns. A mark
		// goes to the disk after the reports it counts.
		if _, err := acks.WriteString(line.String()); err != nil {
			t.Fatal(err)
		}
		if marks != nil && line.Len() > 0 {
			if err := marks.write(counts); err != nil {
				t.Fatal(err)
			}
		}
	}
	if failed.Load() {
		return
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// bootMode returns the mode the kernel command line gives this boot:
// crashlog.ModeAppend unless it names another.
func bootMode() string {
	b, _ := os.ReadFile("/proc/cmdline")
	for _, f := range strings.Fields(string(b)) {
		if v, ok := strings.CutPrefix(f, crashlog.ModeParam+"="); ok {
			return v
		}
	}
	return crashlog.ModeAppend
}

func writeJSON(t *testing.T, path string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
