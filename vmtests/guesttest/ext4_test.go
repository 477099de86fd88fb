package guesttest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// TestExt4 runs every operation on files of an ext4 file system opened with
// O_DIRECT, and appending writes, which only a file system has.
func TestExt4(t *testing.T) {
	guest.SkipIfNotInVM(t)
	dir := t.TempDir() // TMPDIR is on the ext4 disk
	if err := testvm.CheckExt4(dir); err != nil {
		t.Fatal(err)
	}
	c := newContext(t, 16)
	ctx := context.Background()

	t.Run("ops", func(t *testing.T) {
		f := openFile(t, c, filepath.Join(dir, "ops"), os.O_RDWR|os.O_CREATE|os.O_EXCL)
		// Writes that extend the file allocate its blocks.
		p := newBuf(t, opsSize)
		testvm.Fill(p, 0, testvm.ImageSeed)
		n, err := f.WriteAt(p, 0)
		checkIO(t, "WriteAt", n, err, len(p))
		testOps(t, f, opsSize)
	})

	t.Run("short read", func(t *testing.T) {
		f := openFile(t, c, testvm.Ext4Path(testvm.SeedFile), os.O_RDONLY)
		p := newBuf(t, 8192)
		const off = 64 << 10
		n, err := f.ReadAtContext(ctx, p, off, 0)
		if want := testvm.SeedFileSize - off; n != want || err != io.EOF {
			t.Fatalf("ReadAtContext across the end of %s: %d bytes, %v; want %d, io.EOF", f.Name(), n, err, want)
		}
		checkData(t, "short read", p[:n], off, testvm.ImageSeed)
	})

	// appendTwice writes 8 KiB at offset 0 of the empty file f, appends 4 KiB
	// twice with write, and checks that the appended data lands at the end.
	appendTwice := func(t *testing.T, f *aio.File, write func(p []byte) (int, error)) {
		p := newBuf(t, 16<<10)
		testvm.Fill(p[:8192], 0, testvm.ImageSeed)
		n, err := f.WriteAt(p[:8192], 0)
		checkIO(t, "WriteAt", n, err, 8192)
		for i, off := range []int64{8192, 12288} {
			b := p[8192+i*4096 : 12288+i*4096]
			testvm.Fill(b, off, uint16(0x2000+i))
			n, err := write(b)
			checkIO(t, "appending write", n, err, len(b))
		}

		st, err := os.Stat(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != 16<<10 {
			t.Fatalf("%s has %d bytes after two appends, want %d", f.Name(), st.Size(), 16<<10)
		}
		clear(p)
		n, err = f.ReadAt(p, 0)
		checkIO(t, "ReadAt", n, err, len(p))
		checkData(t, "written data", p[:8192], 0, testvm.ImageSeed)
		checkData(t, "first append", p[8192:12288], 8192, 0x2000)
		checkData(t, "second append", p[12288:], 12288, 0x2001)
	}

	t.Run("FlagAppend", func(t *testing.T) {
		f := openFile(t, c, filepath.Join(dir, "flag-append"), os.O_RDWR|os.O_CREATE|os.O_EXCL)
		appendTwice(t, f, func(p []byte) (int, error) {
			return f.WriteAtContext(ctx, p, 0, aio.FlagAppend)
		})
	})

	t.Run("O_APPEND", func(t *testing.T) {
		// Every write appends, the first one (to an empty file) included.
		f := openFile(t, c, filepath.Join(dir, "o-append"), os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND)
		appendTwice(t, f, func(p []byte) (int, error) { return f.WriteAt(p, 0) })
	})
}
