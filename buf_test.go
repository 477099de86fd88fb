package aio_test

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
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
			if err := b.Free(); err != nil {
				t.Fatalf("a second Free: %v; want the first's result, nil", err)
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
// every Free returns what the first returned, and only once the memory is
// unmapped (mincore(2) says ENOMEM of a range that is not mapped). The test
// is not parallel, so that no other test maps memory at the address meanwhile.
func TestBufConcurrentFree(t *testing.T) {
	const goroutines = 8
	for range 200 {
		b, err := aio.NewBuf(4096)
		if err != nil {
			t.Fatal(err)
		}
		mem := b.Bytes()
		start := make(chan struct{})
		results := make(chan error, goroutines)
		for range goroutines {
			go func() {
				<-start
				_ = b.Len()
				_ = b.Bytes()
				err := b.Free()
				if err == nil && mincore(mem) != unix.ENOMEM {
					err = errors.New("Free returned while the memory was still mapped")
				}
				results <- err
			}()
		}
		close(start)
		for range goroutines {
			if err := <-results; err != nil {
				t.Fatalf("concurrent Free: %v", err)
			}
		}
	}
}

// TestNewBufHugePages maps a buffer of several huge pages and checks that
// it is aligned to one and that its mapping asks for huge pages (the "hg"
// of VmFlags in /proc/self/smaps, which MADV_HUGEPAGE sets). Whether the
// kernel then finds free huge pages to back it depends on the machine's
// memory, not on the package; the test logs what it got.
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
	m := smapsOf(t, addr)
	if m.size != 4*huge {
		t.Fatalf("the mapping at %#x is %d bytes, want 4 huge pages (%d bytes)", addr, m.size, 4*huge)
	}
	if !slices.Contains(m.flags, "hg") {
		t.Fatalf("the mapping at %#x does not ask for huge pages: VmFlags %v, want hg among them", addr, m.flags)
	}
	t.Logf("%d kB of the %d kB written are on huge pages", m.anonHugeKiB, 4*huge>>10)
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
		skipUnsupported(t, "the kernel has no transparent huge pages: %v", err)
	}
	if strings.Contains(string(enabled), "[never]") {
		skipUnsupported(t, "transparent huge pages are disabled (/sys/kernel/mm/transparent_hugepage/enabled is never)")
	}
	raw, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")
	if err != nil {
		skipUnsupported(t, "the kernel does not say the size of its huge pages: %v", err)
	}
	huge, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("hpage_pmd_size %q: %v", raw, err)
	}
	return huge
}

// smapsEntry is what /proc/self/smaps says about one mapping.
type smapsEntry struct {
	size        int // bytes, from the address range
	anonHugeKiB int
	flags       []string
}

// smapsOf returns the entry of the mapping that starts at addr.
func smapsOf(t *testing.T, addr uintptr) smapsEntry {
	t.Helper()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		skipUnsupported(t, "no /proc/self/smaps to check the mapping in: %v", err)
	}
	var e smapsEntry
	in, found := false, false
	for line := range strings.Lines(string(smaps)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && !strings.HasSuffix(fields[0], ":") {
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uintptr(start) == addr
			if in {
				found, e.size = true, int(end-start)
			}
			continue
		}
		if !in {
			continue
		}
		switch fields[0] {
		case "AnonHugePages:":
			if len(fields) >= 2 {
				e.anonHugeKiB, _ = strconv.Atoi(fields[1])
			}
		case "VmFlags:":
			e.flags = fields[1:]
		}
	}
	if !found {
		t.Fatalf("no mapping at %#x in /proc/self/smaps", addr)
	}
	return e
}

// mincore returns the error of mincore(2) over mem: ENOMEM if it is not
// mapped.
func mincore(mem []byte) error {
	vec := make([]byte, (len(mem)+os.Getpagesize()-1)/os.Getpagesize())
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(mem))), uintptr(len(mem)), uintptr(unsafe.Pointer(unsafe.SliceData(vec))))
	if errno != 0 {
		return errno
	}
	return nil
}
