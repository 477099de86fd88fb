package aio

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestRingIsUsedUnlessDisabled(t *testing.T) {
	c, err := NewContext(4)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.ring == nil {
		t.Fatal("the completion ring was not recognised; completions would always take io_getevents")
	}
	if c.ring.nr < 4 {
		t.Fatalf("ring has %d entries for 4 events", c.ring.nr)
	}

	s, err := NewContext(4, WithSyscallReaping())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.ring != nil {
		t.Fatal("WithSyscallReaping did not disable reading the ring")
	}
}

func TestRingRejectsUnknownLayout(t *testing.T) {
	c, err := NewContext(4)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hdr := c.ring.header
	magic := hdr.Magic
	// The ring header is writable user memory; a changed magic stands for a
	// kernel whose ring this package does not know.
	hdr.Magic = 0
	if mapRing(c.id) != nil {
		t.Error("a ring without the magic was accepted")
	}
	hdr.Magic = magic
	hdr.IncompatFeatures = 1
	if mapRing(c.id) != nil {
		t.Error("a ring with incompatible features was accepted")
	}
	hdr.IncompatFeatures = 0
	if mapRing(c.id) == nil {
		t.Error("the restored ring was rejected")
	}
}

func TestSetupErrors(t *testing.T) {
	for _, tt := range []struct {
		errno       syscall.Errno
		mention     string
		unsupported bool
	}{
		{syscall.EAGAIN, "fs.aio-max-nr", false},
		{syscall.ENOSYS, "CONFIG_AIO", true},
		{syscall.EPERM, "seccomp", true},
	} {
		err := setupError(tt.errno, 128)
		if !errors.Is(err, tt.errno) {
			t.Errorf("%v: errors.Is(err, errno) = false", tt.errno)
		}
		if errors.Is(err, errors.ErrUnsupported) != tt.unsupported {
			t.Errorf("%v: errors.Is(err, ErrUnsupported) = %v, want %v", tt.errno, !tt.unsupported, tt.unsupported)
		}
		if !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%v: %q does not mention %q", tt.errno, err, tt.mention)
		}
	}
}

func TestLockErrorSuggestsNewBuf(t *testing.T) {
	err := lockError(1<<30, syscall.ENOMEM)
	if !errors.Is(err, syscall.ENOMEM) || !strings.Contains(err.Error(), "RLIMIT_MEMLOCK") || !strings.Contains(err.Error(), "NewBuf") {
		t.Fatalf("lockError = %v; want ENOMEM naming RLIMIT_MEMLOCK and suggesting NewBuf", err)
	}
}

func TestErrnoErrDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() {
		_ = errnoErr(syscall.EAGAIN)
		_ = errnoErr(syscall.EINVAL)
	}); n != 0 {
		t.Fatalf("errnoErr allocates %v times", n)
	}
}

func TestIoPgetevents(t *testing.T) {
	c, err := NewContext(4)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var events [1]ioEvent
	// Nothing is in flight: the zero timeout returns no events at once
	// (or EINTR, when the runtime's preemption signal comes in between).
	n, err := ioPgeteventsNow(c.id, 0, 1, &events[0], &zeroTimeout64, nil)
	for err == syscall.EINTR {
		n, err = ioPgeteventsNow(c.id, 0, 1, &events[0], &zeroTimeout64, nil)
	}
	if err != nil || n != 0 {
		t.Fatalf("io_pgetevents = %d, %v; want 0, nil", n, err)
	}
}

// TestPollableRefusesWhatThePollerDoesNot: epoll refuses regular files, so
// os.NewFile quietly makes a blocking file of one. A reaper waiting on such
// a file would never wake, so pollable must fail instead.
func TestPollableRefusesWhatThePollerDoesNot(t *testing.T) {
	fd, err := unix.Open(filepath.Join(t.TempDir(), "regular"), unix.O_CREAT|unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := pollable(fd, "regular")
	if err == nil {
		f.Close()
		t.Fatal("a regular file was taken as pollable")
	}
	if !strings.Contains(err.Error(), "poller") {
		t.Fatalf("error %q does not say what failed", err)
	}
	// pollable closed the descriptor.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("the descriptor is still open after the failure (F_GETFD: %v)", err)
	}

	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	f, _, err = pollable(efd, "eventfd")
	if err != nil {
		t.Fatalf("an eventfd was refused: %v", err)
	}
	f.Close()
}
