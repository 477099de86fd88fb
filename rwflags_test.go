package aio_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// kernelAtLeast reports whether the running kernel's release is major.minor
// or later. Tests use it only to say which of two outcomes is right, the
// feature working or its "needs Linux X" error; both are checked.
func kernelAtLeast(t *testing.T, major, minor int) bool {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	var v [2]int
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &v[0], &v[1]); err != nil {
		t.Fatalf("kernel release %q: %v", u.Release[:], err)
	}
	return v[0] > major || v[0] == major && v[1] >= minor
}

// requireNeedsLinux checks err is the error of a flag the kernel lacks.
func requireNeedsLinux(t *testing.T, err error, flag, release string) {
	t.Helper()
	want := flag + " needs Linux " + release + " or later"
	if !errors.Is(err, syscall.EOPNOTSUPP) || !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v; want EOPNOTSUPP saying %q", err, want)
	}
}

// TestNoAppend writes at an offset of a file opened with O_APPEND, which
// FlagNoAppend honours (Linux 6.9+) where a plain write appends.
func TestNoAppend(t *testing.T) {
	c := newContext(t, 4)
	name := filepath.Join(t.TempDir(), "append")
	if err := os.WriteFile(name, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := openBound(t, c, name, os.O_RDWR|os.O_APPEND)
	if _, err := f.WriteAtContext(t.Context(), []byte("ab"), 2, 0); err != nil {
		t.Fatal(err)
	}
	_, err := f.WriteAtContext(t.Context(), []byte("XY"), 4, aio.FlagNoAppend)
	want := "0123XY6789ab"
	if !kernelAtLeast(t, 6, 9) {
		requireNeedsLinux(t, err, "RWF_NOAPPEND", "6.9")
		want = "0123456789ab"
	} else if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(name); string(got) != want {
		t.Fatalf("file holds %q; want %q", got, want)
	}
	_, err = f.WriteAtContext(t.Context(), []byte("z"), 0, aio.FlagAppend|aio.FlagNoAppend)
	if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "contradict") {
		t.Errorf("FlagAppend|FlagNoAppend: %v; want EINVAL saying they contradict each other", err)
	}
}

// TestDontCache reads and writes a buffered file with FlagDontCache (Linux
// 6.14+, where the filesystem supports it): the data is right, and the
// pages written leave the page cache once written back.
func TestDontCache(t *testing.T) {
	c := newContext(t, 4)
	name := filepath.Join(testDir(t), "dontcache")
	f := openBound(t, c, name, os.O_RDWR|os.O_CREATE)
	data := bytes.Repeat([]byte("dontcache"), 100_000)
	_, err := f.WriteAtContext(t.Context(), data, 0, aio.FlagDontCache)
	if !kernelAtLeast(t, 6, 14) {
		requireNeedsLinux(t, err, "RWF_DONTCACHE", "6.14")
		return
	}
	if errors.Is(err, syscall.EOPNOTSUPP) {
		if !strings.Contains(err.Error(), "filesystem does not support RWF_DONTCACHE") {
			t.Fatalf("EOPNOTSUPP without the reason: %v", err)
		}
		skipUnsupported(t, "the filesystem of %s does not support RWF_DONTCACHE: %v", name, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(data))
	if n, err := f.ReadAtContext(t.Context(), got, 0, aio.FlagDontCache); n != len(data) || err != nil {
		t.Fatalf("ReadAtContext = %d, %v", n, err)
	}
	requireEqual(t, got, data, "FlagDontCache read")
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if resident := residentPages(t, name, len(data)); resident > len(data)/os.Getpagesize()/2 {
		t.Errorf("%d of %d pages still cached after FlagDontCache I/O and a sync", resident, len(data)/os.Getpagesize())
	}

	d := openTemp(t, c, testDir(t), 0)
	if _, err := d.WriteAtContext(t.Context(), newBuf(t, 4096), 0, aio.FlagDontCache); !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "without O_DIRECT") {
		t.Errorf("FlagDontCache on an O_DIRECT file: %v; want EINVAL saying it is for Files without O_DIRECT", err)
	}
}

// residentPages counts the pages of the first size bytes of name that are
// in the page cache (mincore on a mapping).
func residentPages(t *testing.T, name string, size int) int {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (size+os.Getpagesize()-1)/os.Getpagesize())
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(os.NewSyscallError("mincore", e))
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

// TestAtomicRefused tries FlagAtomic where it cannot work: each refusal
// says why, before the kernel sees the request.
func TestAtomicRefused(t *testing.T) {
	c := newContext(t, 4)
	dir := testDir(t)
	d := openTemp(t, c, dir, 0)
	buf := newBuf(t, 64<<10)
	b := openBound(t, c, filepath.Join(dir, "buffered"), os.O_RDWR|os.O_CREATE)
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"read", func() error { _, err := d.ReadAtContext(t.Context(), buf[:4096], 0, aio.FlagAtomic); return err }(), "for writes"},
		{"buffered", func() error { _, err := b.WriteAtContext(t.Context(), buf[:4096], 0, aio.FlagAtomic); return err }(), "O_DIRECT"},
	}
	if min, max := d.AtomicWriteUnits(); max == 0 {
		_, err := d.WriteAtContext(t.Context(), buf[:4096], 0, aio.FlagAtomic)
		want := "no atomic write units"
		if !kernelAtLeast(t, 6, 11) {
			want = "RWF_ATOMIC needs Linux 6.11 or later"
		}
		cases = append(cases, struct {
			name string
			err  error
			want string
		}{"unsupported storage", err, want})
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("FlagAtomic without atomic write units: %v does not match errors.ErrUnsupported", err)
		}
	} else {
		t.Logf("%s supports atomic writes of %d to %d bytes", dir, min, max)
	}
	for _, tc := range cases {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error saying %q", tc.name, tc.err, tc.want)
		}
	}
}
