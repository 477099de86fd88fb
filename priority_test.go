package aio_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/linuxaio/aio"
)

func init() {
	childScenarios["realtime priority without capabilities"] = realtimeWithoutCapabilities
}

// TestIOPriority checks the values of IOPriority against the kernel's
// encoding (ioprio_set(2): the class above bit 13, the level below).
func TestIOPriority(t *testing.T) {
	cases := []struct {
		class aio.PriorityClass
		level int
		want  aio.Priority
		str   string
	}{
		{aio.PriorityRealtime, 0, 1 << 13, "realtime/0"},
		{aio.PriorityBestEffort, 4, 2<<13 | 4, "best-effort/4"},
		{aio.PriorityIdle, 7, 3<<13 | 7, "idle/7"},
	}
	for _, c := range cases {
		p := aio.IOPriority(c.class, c.level)
		if p != c.want || p.Class() != c.class || p.Level() != c.level || p.String() != c.str {
			t.Errorf("IOPriority(%v, %d) = %#x (%v, %d, %q); want %#x", c.class, c.level, uint16(p), p.Class(), p.Level(), p.String(), uint16(c.want))
		}
	}
}

// TestPriorityAccepted reads and writes with every class the process may
// use, through calls and batch requests.
func TestPriorityAccepted(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	data := pattern(newBuf(t, 4096), 1)
	classes := []aio.PriorityClass{aio.PriorityBestEffort, aio.PriorityIdle}
	if os.Geteuid() == 0 {
		classes = append(classes, aio.PriorityRealtime)
	}
	for _, class := range classes {
		for _, level := range []int{0, 7} {
			p := aio.IOPriority(class, level)
			f.SetPriority(p)
			if _, err := f.WriteAt(data, 0); err != nil {
				t.Fatalf("WriteAt with %v: %v", p, err)
			}
			f.SetPriority(0)
			r := &aio.Request{File: f, Op: aio.OpRead, Buf: newBuf(t, 4096), Priority: p}
			if _, err := c.Submit(r); err != nil {
				t.Fatalf("Submit with %v: %v", p, err)
			}
			done := make([]*aio.Request, 1)
			if _, err := c.Wait(t.Context(), done, 1); err != nil || r.Err != nil {
				t.Fatalf("read with %v: %v, %v", p, err, r.Err)
			}
			requireEqual(t, r.Buf, data, "read with a priority")
		}
	}
}

// TestPriorityRefused uses priorities that are not valid: each is refused
// with an error that says what is wrong, before the kernel sees it.
func TestPriorityRefused(t *testing.T) {
	c := newContext(t, 8)
	f := openTemp(t, c, testDir(t), 0)
	buf := newBuf(t, 4096)
	cases := []struct {
		p    aio.Priority
		want string
	}{
		{aio.IOPriority(9, 0), "unknown class 9"},
		{aio.IOPriority(aio.PriorityBestEffort, 8), "level out of range"},
		{aio.IOPriority(aio.PriorityIdle, -1), "level out of range"},
		{aio.Priority(5 << 13), "no valid class"},
		{aio.Priority(2<<13 | 9), "has level 9"},
	}
	for _, tc := range cases {
		f.SetPriority(tc.p)
		_, err := f.ReadAt(buf, 0)
		if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadAt with %v: %v; want EINVAL saying %q", tc.p, err, tc.want)
		}
		f.SetPriority(0)
		n, err := c.Submit(&aio.Request{File: f, Op: aio.OpRead, Buf: buf, Priority: tc.p})
		if n != 0 || !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Submit with %v: %d, %v; want EINVAL saying %q", tc.p, n, err, tc.want)
		}
	}
}

// TestRealtimePriorityNeedsCapabilities reads with the realtime class in a
// process without CAP_SYS_ADMIN and CAP_SYS_NICE: the kernel refuses it, and
// the error says what is missing.
func TestRealtimePriorityNeedsCapabilities(t *testing.T) {
	if os.Geteuid() != 0 {
		realtimeWithoutCapabilities(t)
		return
	}
	runInChild(t, "realtime priority without capabilities", childDirEnv+"="+testDir(t))
}

// realtimeWithoutCapabilities drops root's capabilities, if it has them, by
// becoming nobody, then reads with the realtime class from a File opened
// before.
func realtimeWithoutCapabilities(t *testing.T) {
	c := newContext(t, 4)
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		dir = testDir(t)
	}
	f := openBound(t, c, filepath.Join(dir, "rt"), os.O_RDWR|os.O_CREATE)
	if _, err := f.WriteAt(make([]byte, 4096), 0); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := syscall.Setuid(65534); err != nil {
			t.Fatalf("setuid(nobody): %v", err)
		}
	}
	f.SetPriority(aio.IOPriority(aio.PriorityRealtime, 0))
	_, err := f.ReadAt(make([]byte, 4096), 0)
	if !errors.Is(err, syscall.EPERM) || !strings.Contains(err.Error(), "CAP_SYS_ADMIN") {
		t.Fatalf("ReadAt with the realtime class and no capabilities: %v; want EPERM naming CAP_SYS_ADMIN", err)
	}
	f.SetPriority(aio.IOPriority(aio.PriorityBestEffort, 0))
	if _, err := f.ReadAt(make([]byte, 4096), 0); err != nil {
		t.Fatalf("ReadAt with the best-effort class: %v", err)
	}
}
