package aio_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/linuxaio/aio"
)

func TestBadInputs(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
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

	tests := []struct {
		name    string
		do      func() error
		op      string
		message string
	}{
		{"negative offset", func() error { _, err := f.ReadAt(buf[:offAlign], -512); return err }, "read", "negative offset"},
		{"nil buffer", func() error { _, err := f.ReadAt(nil, 0); return err }, "read", "empty buffer"},
		{"empty buffer", func() error { _, err := f.WriteAt(buf[:0], 0); return err }, "write", "empty buffer"},
		{"no buffers", func() error { _, err := f.ReadvAtContext(ctx, nil, 0, 0); return err }, "readv", "empty buffer"},
		{"too many buffers", func() error { _, err := f.WritevAtContext(ctx, tooMany, 0, 0); return err }, "writev", "UIO_MAXIOV"},
		{"misaligned address", func() error { _, err := f.ReadAt(buf[1:1+offAlign], 0); return err }, "read", "buffer address"},
		{"misaligned offset", func() error { _, err := f.WriteAt(buf[:offAlign], 3); return err }, "write", "offset 3 is not a multiple of"},
		{"misaligned length", func() error { _, err := f.ReadAt(buf[:offAlign+1], 0); return err }, "read", "length"},
		{"misaligned vector", func() error {
			_, err := f.ReadvAtContext(ctx, [][]byte{buf[:offAlign], buf[offAlign : offAlign+100]}, 0, 0)
			return err
		}, "readv", "length 100 is not a multiple of"},
		{"unknown flags", func() error { _, err := f.WriteAtContext(ctx, buf[:offAlign], 0, 1<<20); return err }, "write", "unknown request flags 0x100000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, syscall.EINVAL) {
				t.Errorf("errors.Is(%v, EINVAL) = false", err)
			}
			var pe *os.PathError
			if !errors.As(err, &pe) || pe.Op != tt.op || pe.Path != f.Name() {
				t.Errorf("error %q is not an *os.PathError for op %q on %s", err, tt.op, f.Name())
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
		})
	}
}

func TestAlignmentMessage(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	_, offAlign := f.Alignment()
	_, err := f.ReadAt(newBuf(t, 2*offAlign)[:offAlign], int64(offAlign/2))
	want := "offset " // the message names what, its value and the required multiple
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "O_DIRECT") {
		t.Fatalf("misaligned read: %v; want a message about the offset and O_DIRECT", err)
	}
}

func TestKernelErrorsArePathErrors(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	w := openTemp(t, c, dir, 0)
	r, err := c.OpenFile(w.Name(), os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Writing through a read-only descriptor is refused by io_submit.
	_, err = r.WriteAt(newBuf(t, 4096), 0)
	var pe *os.PathError
	if !errors.Is(err, syscall.EBADF) || !errors.As(err, &pe) || pe.Op != "write" || pe.Path != w.Name() {
		t.Fatalf("write on a read-only file: %v; want *os.PathError{write, %s, EBADF}", err, w.Name())
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
	if err := f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("second File.Close: %v; want ErrClosed", err)
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Context.Close: %v", err)
	}
	if _, err := g.WriteAt(buf, 0); !errors.Is(err, aio.ErrClosed) {
		t.Fatalf("write on a File of a closed Context: %v; want ErrClosed", err)
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
		if _, err := aio.NewContext(n); err == nil || !strings.Contains(err.Error(), "maxEvents") {
			t.Errorf("NewContext(%d) = %v; want an error about maxEvents", n, err)
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
