package aio_test

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/linuxaio/aio"
)

const (
	aioMaxNrPath = "/proc/sys/fs/aio-max-nr"
	aioNrPath    = "/proc/sys/fs/aio-nr"
)

// TestNewContextWhenAIOMaxNrIsExhausted lowers the system-wide limit
// fs.aio-max-nr to the events in use, for the time of one NewContext, which
// must then fail with EAGAIN and name the limit. The limit is restored at
// once, and again when the test ends however it ends. It is not parallel:
// while the limit is low, every other Context creation on the machine fails.
func TestNewContextWhenAIOMaxNrIsExhausted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("lowering fs.aio-max-nr needs root")
	}
	// Another process running this test at the same time would read the
	// lowered limit as the one to restore. Both lock the sysctl's file, so
	// one waits for the other to have restored it.
	lock, err := os.Open(aioMaxNrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		t.Fatalf("flock %s: %v", aioMaxNrPath, err)
	}

	// This Context's events stay in use throughout, so aio-nr cannot
	// drop to 0 even if every other process closes its contexts.
	newContext(t, 8)
	oldLimit := readProcInt(t, aioMaxNrPath)
	restore := func() {
		if err := os.WriteFile(aioMaxNrPath, []byte(strconv.Itoa(oldLimit)), 0); err != nil {
			t.Errorf("restoring fs.aio-max-nr to %d: %v", oldLimit, err)
		}
	}
	t.Cleanup(restore)

	// io_setup(n) fails with EAGAIN when n alone exceeds fs.aio-max-nr, or
	// when n plus the events in use (aio-nr) does. Asking for exactly the
	// new limit passes the first check and, with aio-nr above 0, fails the
	// second: the limit is exhausted, not merely too small for one context.
	limit := readProcInt(t, aioNrPath)
	if limit == 0 {
		t.Fatalf("aio-nr is 0 with a Context open")
	}
	want := min(limit, 1<<20) // NewContext's own bound
	if err := os.WriteFile(aioMaxNrPath, []byte(strconv.Itoa(limit)), 0); err != nil {
		t.Fatalf("lowering fs.aio-max-nr from %d to %d: %v", oldLimit, limit, err)
	}
	c, err := aio.NewContext(want)
	restore()
	if err == nil {
		c.Close()
		t.Fatalf("NewContext(%d) succeeded with fs.aio-max-nr lowered to aio-nr (%d)", want, limit)
	}
	t.Logf("NewContext(%d) with fs.aio-max-nr = aio-nr = %d: %v", want, limit, err)
	if !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("errors.Is(err, EAGAIN) = false")
	}
	if errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("errors.Is(err, errors.ErrUnsupported) = true for a limit that can be raised")
	}
	if !strings.Contains(err.Error(), "fs.aio-max-nr") {
		t.Errorf("message %q does not name fs.aio-max-nr", err)
	}

	// The limit is back: the same request fits again.
	newContext(t, want)
}

func readProcInt(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

func init() {
	childScenarios["RLIMIT_MEMLOCK"] = lockBeyondMemlockLimit
}

// TestNewLockedBufBeyondMemlockLimit checks, in a process with a small
// RLIMIT_MEMLOCK, that NewLockedBuf beyond it fails with an error that names
// the limit and suggests NewBuf, and that NewBuf still works.
func TestNewLockedBufBeyondMemlockLimit(t *testing.T) {
	t.Parallel()
	runInChild(t, "RLIMIT_MEMLOCK")
}

// memlockLimit is the RLIMIT_MEMLOCK of the child: 16 pages of 4 KiB, and
// one page of 64 KiB (arm64 and ppc64le kernels may use those).
const memlockLimit = 64 << 10

// lockBeyondMemlockLimit is the child scenario of
// TestNewLockedBufBeyondMemlockLimit.
func lockBeyondMemlockLimit(t *testing.T) {
	// The limit is per process: every thread's mlock counts against it.
	lim := unix.Rlimit{Cur: memlockLimit, Max: memlockLimit}
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &lim); err != nil {
		t.Fatalf("setrlimit(RLIMIT_MEMLOCK, %d): %v", memlockLimit, err)
	}

	type result struct {
		big, small       *aio.Buf
		bigErr, smallErr error
		setupErr         error
	}
	results := make(chan result, 1)
	go func() {
		// mlock ignores RLIMIT_MEMLOCK for a caller with CAP_IPC_LOCK in
		// its effective set, which root has. Capabilities belong to a
		// thread, so this goroutine keeps one thread, drops the capability
		// there, and locks from there. It never unlocks the thread: the
		// thread, without the capability, then exits with the goroutine
		// instead of running other goroutines.
		runtime.LockOSThread()
		var r result
		if r.setupErr = dropEffectiveCap(unix.CAP_IPC_LOCK); r.setupErr == nil {
			r.big, r.bigErr = aio.NewLockedBuf(1 << 20)
			// Within the limit locking works: the failure above is the
			// limit's, not a refusal to lock at all.
			r.small, r.smallErr = aio.NewLockedBuf(4096)
		}
		results <- r
	}()
	r := <-results
	if r.setupErr != nil {
		t.Fatal(r.setupErr)
	}
	for _, b := range []*aio.Buf{r.big, r.small} {
		if b != nil {
			t.Cleanup(func() { b.Free() })
		}
	}

	if r.bigErr == nil {
		t.Fatalf("NewLockedBuf(1 MiB) succeeded with RLIMIT_MEMLOCK at %d bytes and no CAP_IPC_LOCK", memlockLimit)
	}
	t.Logf("NewLockedBuf(1 MiB): %v", r.bigErr)
	// Beyond a nonzero limit mlock fails with ENOMEM (EPERM is for a zero
	// limit without the capability).
	if !errors.Is(r.bigErr, syscall.ENOMEM) {
		t.Errorf("errors.Is(err, ENOMEM) = false")
	}
	if msg := r.bigErr.Error(); !strings.Contains(msg, "RLIMIT_MEMLOCK") || !strings.Contains(msg, "NewBuf") {
		t.Errorf("message %q does not name RLIMIT_MEMLOCK and suggest NewBuf", msg)
	}
	if r.smallErr != nil {
		t.Errorf("NewLockedBuf(4096) within RLIMIT_MEMLOCK (%d bytes): %v", memlockLimit, r.smallErr)
	} else if !r.small.Locked() {
		t.Errorf("NewLockedBuf(4096) returned a Buf that is not locked")
	}

	b, err := aio.NewBuf(1 << 20)
	if err != nil {
		t.Fatalf("NewBuf(1 MiB) with RLIMIT_MEMLOCK at %d bytes: %v", memlockLimit, err)
	}
	defer b.Free()
	if b.Locked() || b.Len() != 1<<20 {
		t.Errorf("NewBuf(1 MiB): Locked() = %v, Len() = %d", b.Locked(), b.Len())
	}
	pattern(b.Bytes(), 2) // the memory must be there to write
}

// dropEffectiveCap removes capability c from the effective set of the
// calling thread (capset with pid 0 acts on the calling thread only). The
// permitted set keeps it.
func dropEffectiveCap(c uintptr) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	// Version 3 passes two 32-bit words of each set.
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return os.NewSyscallError("capget", err)
	}
	data[c/32].Effective &^= 1 << (c % 32)
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return os.NewSyscallError("capset", err)
	}
	var check [2]unix.CapUserData
	if err := unix.Capget(&hdr, &check[0]); err != nil {
		return os.NewSyscallError("capget", err)
	}
	if check[c/32].Effective&(1<<(c%32)) != 0 {
		return errors.New("capset did not drop the capability")
	}
	return nil
}
