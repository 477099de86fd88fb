package aio_test

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"

	"github.com/linuxaio/aio"
)

// unalignedFileSize is not a multiple of any block size, so that reads
// meet an unaligned end of the file.
const unalignedFileSize = 3<<20 + 123

// directCopy writes data to a new file name in dir and returns it opened
// for reading with O_DIRECT through c, and opened without, as the reference.
func directCopy(t *testing.T, c *aio.Context, dir, name string, data []byte) (*aio.File, *os.File) {
	t.Helper()
	name = filepath.Join(dir, name)
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f := openBound(t, c, name, os.O_RDONLY|syscall.O_DIRECT)
	if !f.Direct() {
		t.Fatal("opened with O_DIRECT, but the File says it is not direct")
	}
	ref, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	return f, ref
}

// TestReadAtAnyBufferAnyOffset reads an O_DIRECT file with plain
// make([]byte) buffers of sizes from 1 byte to 1 MiB + 1 at offsets aligned
// and not, and near and past its end, and checks every result against
// os.File's ReadAt: the same count, the same error (io.EOF only at the end
// of the file), the same bytes.
func TestReadAtAnyBufferAnyOffset(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 8)
	data := pattern(make([]byte, unalignedFileSize), 7)
	f, ref := directCopy(t, c, dir, "data", data)

	sizes := []int{1, 2, 3, 100, 511, 512, 513, 4095, 4096, 4097, 4608, 5120, 65535,
		128<<10 - 1, 128 << 10, 128<<10 + 1, 300_000, 1<<20 - 1, 1 << 20, 1<<20 + 1}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		sizes = append(sizes, 1+r.IntN(1<<20+1))
	}
	end := int64(unalignedFileSize)
	offsets := []int64{0, 1, 7, 511, 512, 4095, 4096 + 7, 1<<20 + 3, end - 1<<20 - 5, end - 4097, end - 100, end - 1, end, end + 1, end + 5000}
	for _, size := range sizes {
		for _, off := range append(offsets, r.Int64N(end)) {
			got := make([]byte, size)
			want := make([]byte, size)
			n, err := f.ReadAt(got, off)
			wn, werr := ref.ReadAt(want, off)
			if n != wn || err != werr {
				t.Fatalf("ReadAt(%d bytes, %d) = %d, %v; os.File gives %d, %v", size, off, n, err, wn, werr)
			}
			if !bytes.Equal(got[:n], want[:n]) {
				t.Fatalf("ReadAt(%d bytes, %d): the bytes differ from os.File's", size, off)
			}
		}
	}
	// Every size up to two 4 KiB blocks and one byte, each at another
	// offset: every remainder modulo the usual alignments, at both ends.
	const most = 2*4096 + 1
	got, want := make([]byte, most+8), make([]byte, most)
	for size := 1; size <= most; size++ {
		off := int64(size*4099) % (end - int64(size))
		p := got[size%8 : size%8+size] // at every address modulo 8, too
		n, err := f.ReadAt(p, off)
		wn, werr := ref.ReadAt(want[:size], off)
		if n != wn || err != werr || !bytes.Equal(p[:n], want[:wn]) {
			t.Fatalf("ReadAt(%d bytes, %d) = %d, %v; os.File gives %d, %v (or other bytes)", size, off, n, err, wn, werr)
		}
	}
	if n, err := f.ReadAt(nil, 5); n != 0 || err != nil {
		t.Errorf("ReadAt(nil, 5) = %d, %v; want 0, nil as os.File", n, err)
	}
}

// TestStandardReadersOnDirectFile: io.SectionReader, archive/zip and
// debug/elf read through an O_DIRECT File as through an os.File; they use
// their own buffers, sizes and offsets.
func TestStandardReadersOnDirectFile(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 8)

	t.Run("SectionReader", func(t *testing.T) {
		data := pattern(make([]byte, 100_000), 3)
		f, _ := directCopy(t, c, dir, "section", data)
		got, err := io.ReadAll(io.NewSectionReader(f, 100, 1000))
		if err != nil {
			t.Fatal(err)
		}
		requireEqual(t, got, data[100:1100], "section [100, 1100)")
	})

	t.Run("zip", func(t *testing.T) {
		var archive bytes.Buffer
		zw := zip.NewWriter(&archive)
		files := map[string][]byte{}
		for i, size := range []int{0, 1, 4097, 200_000} {
			name := filepath.Join("dir", string(rune('a'+i)))
			files[name] = pattern(make([]byte, size), i)
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(files[name])
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		f, _ := directCopy(t, c, dir, "zip", archive.Bytes())
		zr, err := zip.NewReader(f, int64(archive.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != len(files) {
			t.Fatalf("%d files in the archive; want %d", len(zr.File), len(files))
		}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%s: %v", zf.Name, err)
			}
			requireEqual(t, got, files[zf.Name], zf.Name)
		}
	})

	t.Run("elf", func(t *testing.T) {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := directCopy(t, c, dir, "elf", data)
		ef, err := elf.NewFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := elf.NewFile(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if len(ef.Sections) != len(want.Sections) {
			t.Fatalf("%d sections; want %d", len(ef.Sections), len(want.Sections))
		}
		for i, s := range ef.Sections {
			if s.Type == elf.SHT_NOBITS {
				continue
			}
			got, err := s.Data()
			if err != nil {
				t.Fatalf("section %s: %v", s.Name, err)
			}
			w, _ := want.Sections[i].Data()
			requireEqual(t, got, w, "section "+s.Name)
		}
	})
}

// TestWriteAtFromAnyMemory: a write whose offset and length are aligned
// works from memory at any address, and lands where it was asked to.
func TestWriteAtFromAnyMemory(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 8)
	f := openTemp(t, c, dir, 0)
	_, align := f.Alignment()
	for _, shift := range []int{1, 3, 100, align - 1} {
		for _, blocks := range []int{1, 3, 300} { // 300 blocks: more than one bounce buffer
			p := pattern(make([]byte, blocks*align+shift), shift*blocks)[shift:]
			off := int64(shift * align)
			if n, err := f.WriteAt(p, off); n != len(p) || err != nil {
				t.Fatalf("WriteAt(%d bytes at address +%d, %d) = %d, %v", len(p), shift, off, n, err)
			}
			got := make([]byte, len(p))
			if _, err := f.ReadAt(got, off); err != nil {
				t.Fatal(err)
			}
			requireEqual(t, got, p, "written from misaligned memory")
		}
	}
}

// TestStrictAlignment: a strict File refuses what it would otherwise copy.
func TestStrictAlignment(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	_, align := f.Alignment()
	p := make([]byte, 2*align+1)[1 : 1+align]
	if _, err := f.WriteAt(p, 0); err != nil {
		t.Fatalf("write from misaligned memory, not strict: %v", err)
	}
	f.SetStrictAlignment(true)
	if _, err := f.WriteAt(p, 0); err == nil {
		t.Fatal("write from misaligned memory on a strict File: no error")
	}
	if _, err := f.ReadAt(p, 0); err == nil {
		t.Fatal("read into misaligned memory on a strict File: no error")
	}
	if _, err := f.ReadAt(aio.AlignedBytes(align), 0); err != nil {
		t.Fatalf("read into AlignedBytes on a strict File: %v", err)
	}
}

// TestAlignedBytes: page-aligned, of the length asked for, zeroed, and
// usable for direct I/O after garbage collections.
func TestAlignedBytes(t *testing.T) {
	t.Parallel()
	page := os.Getpagesize()
	for _, size := range []int{1, 100, page - 1, page, page + 1, 1 << 20} {
		b := aio.AlignedBytes(size)
		if len(b) != size || cap(b) != size {
			t.Fatalf("AlignedBytes(%d): len %d, cap %d", size, len(b), cap(b))
		}
		if addr := addressOf(b); addr%uint64(page) != 0 {
			t.Fatalf("AlignedBytes(%d) at %#x: not a multiple of %d", size, addr, page)
		}
		for i, v := range b {
			if v != 0 {
				t.Fatalf("AlignedBytes(%d)[%d] = %d", size, i, v)
			}
		}
	}
	for _, size := range []int{0, -1} {
		if b := aio.AlignedBytes(size); b != nil {
			t.Errorf("AlignedBytes(%d) = %d bytes; want nil", size, len(b))
		}
	}
}

// TestUnalignedReadAtAllocatesNothing: the copying path takes its aligned
// memory from a pool, so a steady stream of misaligned reads allocates
// nothing.
func TestUnalignedReadAtAllocatesNothing(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 4)
	f, _ := directCopy(t, c, dir, "data", pattern(make([]byte, 1<<20), 5))
	p := make([]byte, 5000)[3:4003]
	if allocs := testing.AllocsPerRun(200, func() {
		if _, err := f.ReadAt(p, 777); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Fatalf("%v allocations per misaligned ReadAt; want 0", allocs)
	}
}

func addressOf(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

// TestVectoredAnyBuffer: vectored reads with buffers of any size at any
// address and offset read what os.File reads; vectored writes from
// misaligned memory land where asked when every length is aligned.
func TestVectoredAnyBuffer(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c := newContext(t, 8)
	data := pattern(make([]byte, 200_000+7), 11)
	f, ref := directCopy(t, c, dir, "data", data)
	ctx := context.Background()
	mem := make([]byte, 300_000)
	for _, tc := range []struct {
		sizes []int
		off   int64
	}{
		{[]int{3, 5000, 1}, 7},
		{[]int{4096, 4096}, 1},
		{[]int{0, 100, 0, 70_000}, 4096},
		{[]int{512, 1000, 512}, 199_000}, // runs past the end
	} {
		bufs := make([][]byte, len(tc.sizes))
		at, total := 1, 0
		for i, size := range tc.sizes {
			bufs[i] = mem[at : at+size]
			at += size + 3
			total += size
		}
		want := make([]byte, total)
		wn, werr := ref.ReadAt(want, tc.off)
		n, err := f.ReadvAtContext(ctx, bufs, tc.off, 0)
		if n != wn || err != werr {
			t.Fatalf("ReadvAtContext(%v, %d) = %d, %v; os.File.ReadAt gives %d, %v", tc.sizes, tc.off, n, err, wn, werr)
		}
		var got []byte
		for _, b := range bufs {
			got = append(got, b...)
		}
		requireEqual(t, got[:n], want[:n], "vectored read")
	}

	w := openTemp(t, c, dir, 0)
	_, align := w.Alignment()
	bufs := [][]byte{
		pattern(make([]byte, align+1), 1)[1:],
		pattern(make([]byte, 3*align+5), 2)[5:],
	}
	if n, err := w.WritevAtContext(ctx, bufs, int64(align), 0); n != 4*align || err != nil {
		t.Fatalf("WritevAtContext from misaligned memory = %d, %v; want %d, nil", n, err, 4*align)
	}
	got := make([]byte, 4*align)
	if _, err := w.ReadAt(got, int64(align)); err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got, append(append([]byte{}, bufs[0]...), bufs[1]...), "vectored write")
	if _, err := w.WritevAtContext(ctx, [][]byte{bufs[0], bufs[1][:100]}, 0, 0); err == nil {
		t.Fatal("vectored write of a misaligned length from misaligned memory: no error")
	}
}
