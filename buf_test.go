package aio_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/linuxaio/aio"
)

func TestBuf(t *testing.T) {
	t.Parallel()
	for _, newBuf := range []struct {
		name string
		fn   func(int) (*aio.Buf, error)
	}{{"NewBuf", aio.NewBuf}, {"NewLockedBuf", aio.NewLockedBuf}} {
		t.Run(newBuf.name, func(t *testing.T) {
			b, err := newBuf.fn(10000)
			if err != nil {
				t.Fatal(err)
			}
			if b.Len() != 10000 || len(b.Bytes()) != 10000 || cap(b.Bytes()) != 10000 {
				t.Fatalf("Len %d, len %d, cap %d; want 10000", b.Len(), len(b.Bytes()), cap(b.Bytes()))
			}
			if addr := uintptrOf(b.Bytes()); addr%uintptr(os.Getpagesize()) != 0 {
				t.Fatalf("address %#x is not page-aligned", addr)
			}
			if b.Locked() != (newBuf.name == "NewLockedBuf") {
				t.Fatalf("Locked() = %v", b.Locked())
			}
			for i, v := range b.Bytes() {
				if v != 0 {
					t.Fatalf("byte %d of a new buffer is %d", i, v)
				}
			}
			b.Bytes()[9999] = 1
			if err := b.Free(); err != nil {
				t.Fatal(err)
			}
			if b.Bytes() != nil || b.Len() != 0 {
				t.Fatal("a freed buffer still has memory")
			}
			if err := b.Free(); err == nil {
				t.Fatal("a second Free succeeded")
			}
		})
	}
	for _, size := range []int{0, -1} {
		if _, err := aio.NewBuf(size); err == nil {
			t.Errorf("NewBuf(%d) succeeded", size)
		}
	}
}

// TestBufConcurrentFree frees one buffer from several goroutines at once:
// exactly one Free succeeds. (Under the race detector, unguarded state would
// also show as a data race; two munmaps of one range both succeed, so
// counting the successes is what catches a double unmap without it.)
func TestBufConcurrentFree(t *testing.T) {
	t.Parallel()
	const goroutines = 8
	for range 200 {
		b, err := aio.NewBuf(4096)
		if err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		results := make(chan error, goroutines)
		for range goroutines {
			go func() {
				<-start
				_ = b.Len()
				_ = b.Bytes()
				results <- b.Free()
			}()
		}
		close(start)
		freed := 0
		for range goroutines {
			if <-results == nil {
				freed++
			}
		}
		if freed != 1 {
			t.Fatalf("%d of %d concurrent Frees succeeded, want 1", freed, goroutines)
		}
	}
}

// TestNewBufHugePages maps a buffer of several huge pages and checks that
// it is aligned to one and, once written, backed by huge pages, as the
// kernel's accounting for the mapping in /proc/self/smaps says.
func TestNewBufHugePages(t *testing.T) {
	huge := transparentHugePageSize(t)
	b, err := aio.NewBuf(3*huge + 100)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free()
	mem := b.Bytes()
	if len(mem) != 3*huge+100 {
		t.Fatalf("len %d, want %d", len(mem), 3*huge+100)
	}
	addr := uintptrOf(mem)
	if addr%uintptr(huge) != 0 {
		t.Fatalf("address %#x is not aligned to a huge page of %d bytes", addr, huge)
	}
	for i := range mem {
		if mem[i] != 0 {
			t.Fatalf("byte %d of a new buffer is %d", i, mem[i])
		}
		mem[i] = byte(i)
	}
	if kib := anonHugeKiB(t, addr); kib == 0 {
		t.Fatalf("no huge pages back the buffer at %#x after it was written (AnonHugePages 0 kB in /proc/self/smaps)", addr)
	}
	if err := b.Free(); err != nil {
		t.Fatal(err)
	}
}

// transparentHugePageSize returns the size of a transparent huge page, or
// skips the test where the kernel does not hand them out on request.
func transparentHugePageSize(t *testing.T) int {
	t.Helper()
	enabled, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		t.Skipf("the kernel has no transparent huge pages: %v", err)
	}
	if strings.Contains(string(enabled), "[never]") {
		t.Skip("transparent huge pages are disabled (/sys/kernel/mm/transparent_hugepage/enabled is never)")
	}
	raw, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")
	if err != nil {
		t.Skipf("the kernel does not say the size of its huge pages: %v", err)
	}
	huge, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("hpage_pmd_size %q: %v", raw, err)
	}
	return huge
}

// anonHugeKiB returns the AnonHugePages of the mapping that starts at addr.
func anonHugeKiB(t *testing.T, addr uintptr) int {
	t.Helper()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps to check the mapping in: %v", err)
	}
	start := fmt.Sprintf("%x-", addr)
	in := false
	for line := range strings.Lines(string(smaps)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = strings.HasPrefix(fields[0], start)
			continue
		}
		if in && fields[0] == "AnonHugePages:" && len(fields) >= 2 {
			kib, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatalf("smaps line %q: %v", line, err)
			}
			return kib
		}
	}
	t.Fatalf("no mapping at %#x in /proc/self/smaps", addr)
	return 0
}
