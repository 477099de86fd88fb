package aio_test

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/linuxaio/aio"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	for _, reaping := range reapingModes {
		t.Run(reaping.name, func(t *testing.T) {
			c := newContext(t, 8, reaping.opts...)
			f := openTemp(t, c, dir, 0)
			for _, size := range []int{512, 4096, 64 << 10, 1 << 20} {
				want := pattern(newBuf(t, size), size)
				off := int64(size) * 3
				n, err := f.WriteAt(want, off)
				if err != nil || n != size {
					t.Fatalf("WriteAt(%d bytes at %d) = %d, %v", size, off, n, err)
				}
				got := newBuf(t, size)
				n, err = f.ReadAt(got, off)
				if err != nil || n != size {
					t.Fatalf("ReadAt(%d bytes at %d) = %d, %v", size, off, n, err)
				}
				requireEqual(t, got, want, "read back")
			}
		})
	}
}

func TestReadAtEOF(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	// The file ends 1536 bytes in: half a block into its second 1024.
	want := pattern(newBuf(t, 2048), 1)
	if _, err := f.WriteAt(want, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(f.Name(), 1536); err != nil {
		t.Fatal(err)
	}

	got := newBuf(t, 4096)
	n, err := f.ReadAt(got, 0)
	if n != 1536 || err != io.EOF {
		t.Fatalf("ReadAt across the end = %d, %v; want 1536, io.EOF", n, err)
	}
	requireEqual(t, got[:n], want[:n], "short read")

	n, err = f.ReadAtContext(context.Background(), got, 8192, 0)
	if n != 0 || err != io.EOF {
		t.Fatalf("ReadAtContext past the end = %d, %v; want 0, io.EOF", n, err)
	}
	n, err = f.ReadvAtContext(context.Background(), [][]byte{got[:1024], got[1024:]}, 1024, 0)
	if n != 512 || err != io.EOF {
		t.Fatalf("ReadvAtContext across the end = %d, %v; want 512, io.EOF", n, err)
	}
}

func TestFlagAppend(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	first := pattern(newBuf(t, 4096), 1)
	second := pattern(newBuf(t, 4096), 2)
	if _, err := f.WriteAt(first, 0); err != nil {
		t.Fatal(err)
	}
	// The offset is ignored with FlagAppend: the data lands at the end.
	if n, err := f.WriteAtContext(context.Background(), second, 0, aio.FlagAppend); err != nil || n != 4096 {
		t.Fatalf("appending write = %d, %v", n, err)
	}
	st, err := os.Stat(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 8192 {
		t.Fatalf("file size after an appending write = %d, want 8192", st.Size())
	}
	got := newBuf(t, 8192)
	if _, err := f.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got[:4096], first, "first block")
	requireEqual(t, got[4096:], second, "appended block")
}

func TestOpenedWithAppend(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, os.O_APPEND)
	for i := range 3 {
		if _, err := f.WriteAt(pattern(newBuf(t, 512), i), 0); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	got := newBuf(t, 1536)
	if _, err := f.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		requireEqual(t, got[i*512:(i+1)*512], pattern(make([]byte, 512), i), "appended write")
	}
}

func TestSyncFlags(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	ctx := context.Background()
	for i, flags := range []aio.Flags{aio.FlagDSync, aio.FlagSync, aio.FlagHighPriority, aio.FlagDSync | aio.FlagHighPriority} {
		want := pattern(newBuf(t, 4096), i)
		if n, err := f.WriteAtContext(ctx, want, int64(i)*4096, flags); err != nil || n != 4096 {
			t.Fatalf("write with %v = %d, %v", flags, n, err)
		}
		got := newBuf(t, 4096)
		if _, err := f.ReadAtContext(ctx, got, int64(i)*4096, flags&^(aio.FlagDSync|aio.FlagSync)); err != nil {
			t.Fatal(err)
		}
		requireEqual(t, got, want, flags.String())
	}
}

func TestFlagNoWait(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	want := pattern(newBuf(t, 64<<10), 3)
	if _, err := f.WriteAt(want, 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, op := range []string{"read", "write"} {
		buf := newBuf(t, 64<<10)
		var n int
		var err error
		if op == "read" {
			n, err = f.ReadAtContext(ctx, buf, 0, aio.FlagNoWait)
		} else {
			n, err = f.WriteAtContext(ctx, pattern(buf, 4), 64<<10, aio.FlagNoWait)
		}
		switch {
		case err == nil && n == len(buf):
		case errors.Is(err, syscall.EAGAIN):
			t.Logf("%s with FlagNoWait: %v (allowed: the kernel would have blocked)", op, err)
		default:
			t.Fatalf("%s with FlagNoWait = %d, %v; want success or EAGAIN", op, n, err)
		}
		if op == "read" && err == nil {
			requireEqual(t, buf, want, "nowait read")
		}
	}
}

func TestVectored(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	ctx := context.Background()
	parts := [][]byte{pattern(newBuf(t, 4096), 1), pattern(newBuf(t, 512), 2), pattern(newBuf(t, 8192), 3)}
	n, err := f.WritevAtContext(ctx, parts, 4096, 0)
	if err != nil || n != 12800 {
		t.Fatalf("WritevAtContext = %d, %v; want 12800", n, err)
	}
	flat := newBuf(t, 12800)
	if _, err := f.ReadAt(flat, 4096); err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, p := range parts {
		want = append(want, p...)
	}
	requireEqual(t, flat, want, "vectored write read back flat")

	// Read back into differently cut buffers.
	a, b := newBuf(t, 1024), newBuf(t, 11776)
	n, err = f.ReadvAtContext(ctx, [][]byte{a, b}, 4096, 0)
	if err != nil || n != 12800 {
		t.Fatalf("ReadvAtContext = %d, %v; want 12800", n, err)
	}
	requireEqual(t, append(append([]byte{}, a...), b...), want, "vectored read")
}

func TestSyncAndDatasync(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	if _, err := f.WriteAt(pattern(newBuf(t, 4096), 1), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := f.Datasync(); err != nil {
		t.Fatalf("Datasync: %v", err)
	}
	ctx := context.Background()
	if err := f.SyncContext(ctx); err != nil {
		t.Fatalf("SyncContext: %v", err)
	}
	if err := f.DatasyncContext(ctx); err != nil {
		t.Fatalf("DatasyncContext: %v", err)
	}
}

func TestNewFile(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	osFile, err := os.CreateTemp(dir, "buffered")
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.NewFile(osFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Direct() {
		t.Fatal("a file opened without O_DIRECT reports Direct")
	}
	if f.Name() != osFile.Name() {
		t.Fatalf("Name = %q, want %q", f.Name(), osFile.Name())
	}
	// Without O_DIRECT nothing needs alignment.
	want := []byte("hello, kernel AIO")
	if n, err := f.WriteAt(want, 3); err != nil || n != len(want) {
		t.Fatalf("WriteAt = %d, %v", n, err)
	}
	got := make([]byte, len(want))
	if n, err := f.ReadAt(got, 3); err != nil || n != len(want) {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	requireEqual(t, got, want, "buffered round trip")
	if _, err := c.NewFile(nil); err == nil {
		t.Fatal("NewFile(nil) succeeded")
	}
}
