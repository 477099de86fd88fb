// Package crashguest is the guest half of the VM crash test (see
// vmtests/crash_test.go): on each boot it recovers the log on the ext4
// disk, checks every record and reports what it found, then appends from
// crashlog.Writers goroutines and reports each acknowledged record, until
// the host kills the VM.
package crashguest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	opts := &wal.Options{Preallocate: 1 << 20}
	l, err := wal.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := crashlog.Recovery{LastSeq: l.Recovered(), PerWriter: make([]int, crashlog.Writers)}
	err = l.Replay(func(seq uint64, rec []byte) error {
		r.Records++
		w, n, err := crashlog.Check(rec)
		if err == nil && n != r.PerWriter[w] {
			err = fmt.Errorf("writer %d's record %d after its %d", w, n, r.PerWriter[w])
		}
		if err != nil {
			if r.Bad++; r.Problem == "" {
				r.Problem = fmt.Sprintf("record %d: %v", seq, err)
			}
			return nil
		}
		r.PerWriter[w]++
		return nil
	})
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
		if l, err = wal.Open(path, opts); err != nil {
			t.Fatal(err)
		}
		clear(r.PerWriter)
	}
	if !appending() {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}

	acks, err := os.Create(filepath.Join(shared, crashlog.AcksFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, crashlog.AppendingFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	acked := make(chan [2]int, 1024)
	var failed atomic.Bool
	for w := range crashlog.Writers {
		go func() {
			for n := r.PerWriter[w]; ; n++ {
				if _, err := l.Append(context.Background(), crashlog.Record(w, n)); err != nil {
					failed.Store(true)
					t.Errorf("writer %d: %v", w, err)
					return
				}
				acked <- [2]int{w, n}
			}
		}()
	}
	// Each report is written after its Append returned; QEMU's 9p server
	// has it in the host's file once write returns.
	deadline := time.After(2 * time.Minute)
	var line strings.Builder
	for !failed.Load() {
		line.Reset()
		select {
		case a := <-acked:
			fmt.Fprintf(&line, "%d %d\n", a[0], a[1])
		case <-deadline:
			t.Fatal("the host did not stop the VM within 2 minutes of appending")
		}
		for more := true; more; {
			select {
			case a := <-acked:
				fmt.Fprintf(&line, "%d %d\n", a[0], a[1])
			default:
				more = false
			}
		}
		if _, err := acks.WriteString(line.String()); err != nil {
			t.Fatal(err)
		}
	}
}

// appending reports whether the kernel command line asks the guest to
// append after recovering.
func appending() bool {
	b, _ := os.ReadFile("/proc/cmdline")
	return !strings.Contains(string(b), crashlog.ModeParam+"="+crashlog.ModeRecover)
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
