package aio

import (
	"errors"
	"strings"
	"syscall"
	"testing"
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
