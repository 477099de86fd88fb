package aio_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// A badInput is a call with arguments the package must refuse, and how.
type badInput struct {
	name    string
	do      func() error
	op      string        // the *os.PathError's Op
	path    string        // and Path
	errno   syscall.Errno // what the error matches
	message string        // what it says
}

// badInputs returns the bad inputs that TestBadInputs tries, each on Files
// of c in dir.
func badInputs(t *testing.T, c *aio.Context, dir string) []badInput {
	f := openTemp(t, c, dir, 0)
	memAlign, offAlign := f.Alignment()
	if memAlign <= 1 || offAlign <= 1 {
		t.Fatalf("Alignment() = %d, %d for an O_DIRECT file", memAlign, offAlign)
	}
	buf := newBuf(t, 2*offAlign+memAlign)
	ctx := context.Background()
	tooMany := make([][]byte, 1025)
	for i := range tooMany {
		tooMany[i] = buf[:offAlign]
	}
	ro, err := c.OpenFile(f.Name(), os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	wo, err := c.OpenFile(f.Name(), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wo.Close() })
	strict, err := c.OpenFile(f.Name(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { strict.Close() })
	strict.SetStrictAlignment(true)
	d := openBound(t, c, dir, os.O_RDONLY)
	name := f.Name()
	submit := func(r *aio.Request) error { _, err := c.Submit(r); return err }
	last := int64(math.MaxInt64) / int64(offAlign) * int64(offAlign)

	return []badInput{
		{"negative offset", func() error { _, err := f.ReadAt(buf[:offAlign], -512); return err }, "read", name, syscall.EINVAL, "negative offset"},
		{"offset plus length past the largest offset", func() error { _, err := f.ReadAt(buf[:2*offAlign], last-int64(offAlign)); return err }, "read", name, syscall.EINVAL, "beyond the largest file offset"},
		{"nil buffer in a request", func() error { return submit(&aio.Request{File: f, Op: aio.OpRead}) }, "read", name, syscall.EINVAL, "empty buffer"},
		{"empty buffer in a request", func() error { return submit(&aio.Request{File: f, Op: aio.OpWrite, Buf: buf[:0]}) }, "write", name, syscall.EINVAL, "empty buffer"},
		{"no buffers in a request", func() error { return submit(&aio.Request{File: f, Op: aio.OpReadv}) }, "readv", name, syscall.EINVAL, "empty buffer"},
		{"only empty buffers in a request", func() error {
			return submit(&aio.Request{File: f, Op: aio.OpReadv, Bufs: [][]byte{nil, buf[:0]}})
		}, "readv", name, syscall.EINVAL, "empty buffer"},
		{"too many buffers", func() error { _, err := f.WritevAtContext(ctx, tooMany, 0, 0); return err }, "writev", name, syscall.EINVAL, "UIO_MAXIOV"},
		{"misaligned address, strict", func() error { _, err := strict.ReadAt(buf[1:1+offAlign], 0); return err }, "read", name, syscall.EINVAL, "buffer address"},
		{"misaligned write offset", func() error { _, err := f.WriteAt(buf[:offAlign], 3); return err }, "write", name, syscall.EINVAL, "offset 3 is not a multiple of"},
		{"misaligned write offset from misaligned memory", func() error { _, err := f.WriteAt(buf[1:1+offAlign], 3); return err }, "write", name, syscall.EINVAL, "offset 3 is not a multiple of"},
		{"misaligned write length from misaligned memory", func() error { _, err := f.WriteAt(buf[1:101], 0); return err }, "write", name, syscall.EINVAL, "without O_DIRECT"},
		{"misaligned length, strict", func() error { _, err := strict.ReadAt(buf[:offAlign+1], 0); return err }, "read", name, syscall.EINVAL, "length"},
		{"misaligned vector element, strict", func() error {
			_, err := strict.ReadvAtContext(ctx, [][]byte{buf[:offAlign], buf[offAlign : offAlign+100]}, 0, 0)
			return err
		}, "readv", name, syscall.EINVAL, "length 100 is not a multiple of"},
		{"misaligned vector element of a write", func() error {
			_, err := f.WritevAtContext(ctx, [][]byte{buf[1 : 1+offAlign], buf[offAlign : offAlign+100]}, 0, 0)
			return err
		}, "writev", name, syscall.EINVAL, "length 100 is not a multiple of"},
		{"unknown flags", func() error { _, err := f.WriteAtContext(ctx, buf[:offAlign], 0, 1<<20); return err }, "write", name, syscall.EINVAL, "unknown request flags 0x100000"},
		{"write on a read-only file", func() error { _, err := ro.WriteAt(buf[:offAlign], 0); return err }, "write", name, syscall.EBADF, "O_RDONLY"},
		{"read on a write-only file", func() error { _, err := wo.ReadAt(buf[:offAlign], 0); return err }, "read", name, syscall.EBADF, "O_WRONLY"},
		{"read on a directory", func() error { _, err := d.ReadAt(buf[:offAlign], 0); return err }, "read", dir, syscall.EINVAL, "is a directory"},
		{"open a directory with O_DIRECT", func() error { _, err := c.OpenFile(dir, os.O_RDONLY, 0); return err }, "open", dir, syscall.EINVAL, "directory"},
	}
}

func TestBadInputs(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	for _, tt := range badInputs(t, c, dir) {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.errno) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.errno)
			}
			var pe *os.PathError
			if !errors.As(err, &pe) || pe.Op != tt.op || pe.Path != tt.path {
				t.Errorf("error %q is not an *os.PathError for op %q on %s", err, tt.op, tt.path)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
		})
	}
}

// TestBadInputsLeakNothing tries every bad input many times on Contexts
// that it then closes: no descriptor or goroutine may be left. It does not
// run in parallel, so that nothing else opens or closes descriptors
// meanwhile.
func TestBadInputsLeakNothing(t *testing.T) {
	dir := testDir(t)
	fds, goroutines := openDescriptors(t), runtime.NumGoroutine()
	for range 20 {
		t.Run("round", func(t *testing.T) {
			c := newContext(t, 4)
			for _, tt := range badInputs(t, c, dir) {
				for range 10 {
					if tt.do() == nil {
						t.Fatalf("%s: no error", tt.name)
					}
				}
			}
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for openDescriptors(t) != fds || runtime.NumGoroutine() > goroutines {
		if time.Now().After(deadline) {
			t.Fatalf("after the bad inputs: %d descriptors open (%d before), %d goroutines (%d before)",
				openDescriptors(t), fds, runtime.NumGoroutine(), goroutines)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func openDescriptors(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestEmptyIovecsAnywhere: empty buffers in a vectored request transfer
// nothing, wherever they point, so they may be at misaligned addresses and
// do not count against the kernel's limit on iovecs. (Kernels before 6.2 or
// so refuse an O_DIRECT request with a misaligned empty iovec: the package
// leaves them out.)
func TestEmptyIovecsAnywhere(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	_, align := f.Alignment()
	buf := newBuf(t, 2*align)
	pattern(buf[:align], 5)
	bufs := [][]byte{buf[3:3], buf[:align], buf[align+1 : align+1]}
	if n, err := f.WritevAtContext(context.Background(), bufs, 0, 0); err != nil || n != align {
		t.Fatalf("WritevAtContext with empty misaligned iovecs = %d, %v; want %d, nil", n, err, align)
	}
	if n, err := f.ReadvAtContext(context.Background(), [][]byte{buf[align+1 : align+1], buf[align : 2*align]}, 0, 0); err != nil || n != align {
		t.Fatalf("ReadvAtContext with an empty misaligned iovec = %d, %v; want %d, nil", n, err, align)
	}
	requireEqual(t, buf[align:], buf[:align], "data read back")

	many := make([][]byte, 2*1024)
	for i := range many {
		many[i] = buf[i%7 : i%7]
	}
	many[1000] = buf[:align]
	if n, err := f.ReadvAtContext(context.Background(), many, 0, 0); err != nil || n != align {
		t.Fatalf("ReadvAtContext with 2047 empty iovecs and one full = %d, %v; want %d, nil", n, err, align)
	}
}

// TestNewFileNil: NewFile(nil) says what is wrong.
func TestNewFileNil(t *testing.T) {
	t.Parallel()
	c := newContext(t, 4)
	_, err := c.NewFile(nil)
	if err == nil || !strings.Contains(err.Error(), "NewFile") || !strings.Contains(err.Error(), "nil") || !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("NewFile(nil) = %v; want EINVAL saying that the *os.File is nil", err)
	}
}

// TestDirectorySync: a directory cannot be read or written (see
// badInputs), but it can be synced, which makes its entries durable.
func TestDirectorySync(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	if err := openBound(t, c, dir, os.O_RDONLY).Sync(); err != nil {
		t.Fatalf("Sync of a directory: %v", err)
	}
}

func TestAlignmentMessage(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	f.SetStrictAlignment(true)
	_, offAlign := f.Alignment()
	_, err := f.ReadAt(newBuf(t, 2*offAlign)[:offAlign], int64(offAlign/2))
	want := "offset " // the message names what, its value and the required multiple
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "O_DIRECT") {
		t.Fatalf("misaligned read: %v; want a message about the offset and O_DIRECT", err)
	}
}

// TestKernelErrorsArePathErrors: an error the kernel reports in a
// completion is an *os.PathError naming the file, the offset and the errno.
// A read into read-only memory fails with EFAULT there: the kernel cannot
// pin the pages for writing.
func TestKernelErrorsArePathErrors(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	_, align := f.Alignment()
	if _, err := f.WriteAt(newBuf(t, 2*align), 0); err != nil {
		t.Fatal(err)
	}
	readOnly := newBuf(t, align)
	if err := unix.Mprotect(readOnly, unix.PROT_READ); err != nil {
		t.Fatal(err)
	}
	_, err := f.ReadAt(readOnly, int64(align))
	var pe *os.PathError
	if !errors.Is(err, syscall.EFAULT) || !errors.As(err, &pe) || pe.Op != "read" || pe.Path != f.Name() {
		t.Fatalf("read into read-only memory: %v; want *os.PathError{read, %s, EFAULT}", err, f.Name())
	}
	if want := fmt.Sprintf("at offset %d", align); !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name the offset (%q)", err, want)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c, err := aio.NewContext(4)
	if err != nil {
		t.Fatal(err)
	}
	f := openTemp(t, c, dir, 0)
	g := openTemp(t, c, dir, 0)
	buf := newBuf(t, 4096)

	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadAt(buf, 0); !errors.Is(err, aio.ErrClosed) || !errors.Is(err, os.ErrClosed) {
		t.Fatalf("read on a closed File: %v; want ErrClosed", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second File.Close: %v; want the first's result, nil", err)
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Context.Close: %v", err)
	}
	if _, err := g.WriteAt(buf, 0); !errors.Is(err, aio.ErrClosed) || !strings.Contains(err.Error(), "Context is closed") {
		t.Fatalf("write on a File of a closed Context: %v; want ErrClosed saying that the Context is closed", err)
	}
	if err := g.Sync(); !errors.Is(err, aio.ErrClosed) {
		t.Fatalf("sync on a File of a closed Context: %v; want ErrClosed", err)
	}
	if _, err := c.OpenFile(g.Name(), os.O_RDONLY, 0); !errors.Is(err, aio.ErrClosed) {
		t.Fatalf("OpenFile on a closed Context: %v; want ErrClosed", err)
	}
	if _, err := c.Submit(&aio.Request{File: g, Op: aio.OpRead, Buf: buf}); !errors.Is(err, aio.ErrClosed) {
		t.Fatalf("Submit on a closed Context: %v; want ErrClosed", err)
	}
	done := make([]*aio.Request, 1)
	if _, err := c.Wait(context.Background(), done, 1); !errors.Is(err, aio.ErrClosed) {
		t.Fatalf("Wait on a closed Context: %v; want ErrClosed", err)
	}
}

func TestNewContextErrors(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, -1, 1<<20 + 1} {
		// No system call is made, so the error names none.
		if _, err := aio.NewContext(n); !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "maxEvents") || strings.Contains(err.Error(), "io_setup") {
			t.Errorf("NewContext(%d) = %v; want EINVAL about maxEvents, naming no system call", n, err)
		}
	}

	// More events than fs.aio-max-nr allows in all.
	b, err := os.ReadFile("/proc/sys/fs/aio-max-nr")
	if err != nil {
		t.Skipf("no /proc/sys/fs/aio-max-nr to check the limit against: %v", err)
	}
	var limit int
	for _, ch := range strings.TrimSpace(string(b)) {
		limit = limit*10 + int(ch-'0')
	}
	if limit >= 1<<20 {
		t.Skipf("fs.aio-max-nr is %d, above what NewContext accepts; cannot provoke EAGAIN", limit)
	}
	_, err = aio.NewContext(limit + 1)
	if !errors.Is(err, syscall.EAGAIN) || !strings.Contains(err.Error(), "fs.aio-max-nr") {
		t.Fatalf("NewContext(fs.aio-max-nr + 1) = %v; want EAGAIN naming fs.aio-max-nr", err)
	}
}

func TestOpenFileWithoutDirectIO(t *testing.T) {
	t.Parallel()
	c := newContext(t, 4)
	// procfs has no O_DIRECT (tmpfs did not either before Linux 6.6).
	_, err := c.OpenFile("/proc/self/status", os.O_RDONLY, 0)
	if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "does not support O_DIRECT") {
		t.Fatalf("O_DIRECT open on procfs: %v; want EINVAL explaining O_DIRECT", err)
	}
}
