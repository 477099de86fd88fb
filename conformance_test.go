package aio_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// TestConformance runs random sequences of Read, Write, ReadAt, WriteAt,
// Seek (every whence), Truncate, Stat, Sync and Close on a File and on an
// os.File twin of the same contents, and compares every result: the count,
// the class of the error (nil, io.EOF, ErrClosed, the errno), the bytes
// read, the offset after each call and, at the end, the files' contents.
// It does so without O_DIRECT (through Context.NewFile) and with it
// (Context.OpenFile), each with and without O_APPEND, on the test directory's
// filesystem and on tmpfs. The twin is opened without O_DIRECT: it is what a
// program would get from the os package.
//
// Where File differs on purpose, the comparison expects the difference,
// which the doc states:
//   - a write on a direct File whose offset or length is not a multiple of
//     the File's alignment fails with EINVAL (writing the covering blocks
//     would overwrite the bytes around it), and so does an appending write
//     on a direct File whose end is not aligned, where the kernel refuses it
//     (tmpfs takes it); such writes are not made on the twin;
//   - WriteAt on an O_APPEND File appends, as pwrite(2) does on Linux;
//     os.File refuses it, so the twin appends with Write;
//   - a second Close returns what the first returned; os.File's returns
//     ErrClosed;
//   - the error of ReadAt or WriteAt at a negative offset matches EINVAL;
//     os.File's is a plain error;
//   - after Close every call fails with ErrClosed, whatever its arguments;
//     os.File's ReadAt and WriteAt refuse a negative offset first, and do
//     nothing, without an error, for an empty buffer.
func TestConformance(t *testing.T) {
	t.Parallel()
	dirs := []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"testdir", func(t *testing.T) string { return testDir(t) }},
		{"tmpfs", func(t *testing.T) string {
			shm, err := os.MkdirTemp("/dev/shm", "aio-conformance-")
			if err != nil {
				skipUnsupported(t, "no tmpfs at /dev/shm: %v", err)
			}
			t.Cleanup(func() { os.RemoveAll(shm) })
			return shm
		}},
	}
	c := newContext(t, 16)
	modes := []struct {
		name   string
		direct bool
		flag   int
	}{
		{"buffered", false, 0},
		{"append", false, os.O_APPEND},
		{"direct", true, 0},
		{"direct-append", true, os.O_APPEND},
	}
	const sequences, ops = 20, 250
	for _, d := range dirs {
		t.Run(d.name, func(t *testing.T) {
			dir := d.dir(t)
			for _, m := range modes {
				t.Run(m.name, func(t *testing.T) {
					for seed := range uint64(sequences) {
						runConformance(t, c, dir, m.direct, m.flag, seed, ops)
					}
				})
			}
		})
	}
}

// A twinPair is a File and its os.File twin, and the record of what was
// done to them.
type twinPair struct {
	t        *testing.T
	f        *aio.File
	os       *os.File
	direct   bool
	appends  bool
	align    int // what O_DIRECT requires; 1 without it
	unit     int // the block of the sizes and offsets chosen
	closed   bool
	closeErr error
	log      []string
	rng      *rand.Rand
}

func runConformance(t *testing.T, c *aio.Context, dir string, direct bool, flag int, seed uint64, ops int) {
	t.Helper()
	base := filepath.Join(dir, fmt.Sprintf("conf-%v-%d-%d", direct, flag, seed))
	flags := os.O_RDWR | os.O_CREATE | os.O_TRUNC | flag
	twin, err := os.OpenFile(base+".os", flags, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer twin.Close()
	var f *aio.File
	if direct {
		f, err = c.OpenFile(base+".aio", flags, 0o600)
		if errors.Is(err, syscall.EINVAL) {
			skipUnsupported(t, "no O_DIRECT in %s: %v", dir, err)
		}
	} else {
		var osf *os.File
		if osf, err = os.OpenFile(base+".aio", flags, 0o600); err == nil {
			if f, err = c.NewFile(osf); err != nil {
				osf.Close()
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, align := f.Alignment()
	p := &twinPair{t: t, f: f, os: twin, direct: direct, appends: flag&os.O_APPEND != 0, align: align, unit: max(align, 512),
		rng: rand.New(rand.NewPCG(seed, uint64(flag)))}
	for i := range ops {
		if !p.step() {
			t.Errorf("seed %d, after %d operations; the last ones:\n\t%s", seed, i+1, strings.Join(p.log[max(0, len(p.log)-12):], "\n\t"))
			return
		}
	}
	if !p.closed {
		p.compareOffsets()
	}
	got, err1 := os.ReadFile(base + ".aio")
	want, err2 := os.ReadFile(base + ".os")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("seed %d: the File's contents (%d bytes) differ from the twin's (%d bytes) at byte %d", seed, len(got), len(want), firstDifference(got, want))
	}
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// size picks a length: mostly whole blocks, sometimes any.
func (p *twinPair) size(maxBlocks int) int {
	switch p.rng.IntN(4) {
	case 0:
		return p.rng.IntN(3 * p.unit)
	default:
		return p.unit * p.rng.IntN(maxBlocks+1)
	}
}

// offset picks an offset: mostly aligned and within or near the file,
// sometimes any, rarely negative.
func (p *twinPair) offset() int64 {
	switch p.rng.IntN(10) {
	case 0:
		return -int64(p.rng.IntN(2) + 1)
	case 1, 2:
		return int64(p.rng.IntN(40 * p.unit))
	default:
		return int64(p.unit * p.rng.IntN(40))
	}
}

// memory returns n bytes of random data in aligned memory, or at an
// address that is not aligned.
func (p *twinPair) memory(n int) []byte {
	skew := 0
	if p.rng.IntN(3) == 0 {
		skew = 1 + p.rng.IntN(7)
	}
	b := aio.AlignedBytes(n + skew + 1)[skew : skew+n]
	for i := range b {
		b[i] = byte(p.rng.Uint32())
	}
	return b
}

// step does one random operation on both files and compares the results.
func (p *twinPair) step() bool {
	switch op := p.rng.IntN(20); {
	case op < 4:
		n := p.size(8)
		a, b := p.memory(n), make([]byte, n)
		n1, err1 := p.f.Read(a)
		n2, err2 := p.os.Read(b)
		return p.compare(fmt.Sprintf("Read(%d)", n), n1, err1, n2, err2) && p.sameBytes(a[:n1], b[:n2])
	case op < 8:
		return p.write(p.memory(p.size(8)), 0, false)
	case op < 11:
		n, off := p.size(8), p.offset()
		a, b := p.memory(n), make([]byte, n)
		n1, err1 := p.f.ReadAt(a, off)
		n2, err2 := p.os.ReadAt(b, off)
		return p.compare(fmt.Sprintf("ReadAt(%d, %d)", n, off), n1, err1, n2, err2) && p.sameBytes(a[:n1], b[:n2])
	case op < 14:
		return p.write(p.memory(p.size(8)), p.offset(), true)
	case op < 17:
		whence := p.rng.IntN(6) // io.SeekStart ... SEEK_HOLE, and one the kernel refuses
		off := p.offset()
		if whence == io.SeekCurrent || whence == io.SeekEnd {
			off = int64(p.rng.IntN(8*p.unit)) - int64(4*p.unit)
		}
		n1, err1 := p.f.Seek(off, whence)
		n2, err2 := p.os.Seek(off, whence)
		return p.compare(fmt.Sprintf("Seek(%d, %d)", off, whence), int(n1), err1, int(n2), err2)
	case op < 18:
		size := p.offset()
		err1, err2 := p.f.Truncate(size), p.os.Truncate(size)
		return p.compare(fmt.Sprintf("Truncate(%d)", size), 0, err1, 0, err2)
	case op < 19:
		fi1, err1 := p.f.Stat()
		fi2, err2 := p.os.Stat()
		if !p.compare("Stat()", 0, err1, 0, err2) {
			return false
		}
		if err1 == nil && (fi1.Size() != fi2.Size() || fi1.Mode() != fi2.Mode()) {
			p.t.Errorf("Stat: size %d, mode %v; the twin's %d, %v", fi1.Size(), fi1.Mode(), fi2.Size(), fi2.Mode())
			return false
		}
		return true
	default:
		if p.rng.IntN(10) != 0 {
			err1, err2 := p.f.Sync(), p.os.Sync()
			return p.compare("Sync()", 0, err1, 0, err2)
		}
		err1, err2 := p.f.Close(), p.os.Close()
		if p.closed {
			// A second Close returns the first's result; os.File's says
			// it is closed.
			p.log = append(p.log, "Close() again")
			if err1 != p.closeErr || !errors.Is(err2, os.ErrClosed) {
				p.t.Errorf("a second Close: %v (the first returned %v); the twin's %v", err1, p.closeErr, err2)
				return false
			}
			return true
		}
		p.log = append(p.log, fmt.Sprintf("Close() = %v", err1))
		p.closed, p.closeErr = true, err1
		if errorClass(err1) != errorClass(err2) {
			p.t.Errorf("Close() = %v; the twin's %v", err1, err2)
			return false
		}
		return true
	}
}

// write writes data at the file offset, or at off if positional, on both
// files, unless the File refuses it on purpose, which it then checks.
func (p *twinPair) write(data []byte, off int64, positional bool) bool {
	what := fmt.Sprintf("Write(%d bytes)", len(data))
	fileWrite := func() (int, error) { return p.f.Write(data) }
	if positional {
		what = fmt.Sprintf("WriteAt(%d bytes, %d)", len(data), off)
		fileWrite = func() (int, error) { return p.f.WriteAt(data, off) }
	}
	if !p.closed && positional && p.appends && off < 0 {
		// os.File refuses WriteAt on O_APPEND files before it looks at
		// the offset; the File refuses the negative offset.
		n, err := fileWrite()
		p.log = append(p.log, what+": refused, negative offset")
		if n != 0 || !errors.Is(err, syscall.EINVAL) {
			p.t.Errorf("%s on an O_APPEND File: %d, %v; want 0 and EINVAL", what, n, err)
			return false
		}
		return true
	}
	if refused, byKernel := p.refusesWrite(len(data), off, positional); !p.closed && refused {
		n, err := fileWrite()
		if byKernel && err == nil {
			// tmpfs takes an append to a misaligned end: its O_DIRECT
			// goes through the page cache.
			p.log = append(p.log, what+": taken by the kernel")
			pos, _ := p.os.Seek(0, io.SeekCurrent)
			n2, err2 := p.os.Write(data)
			if positional {
				_, _ = p.os.Seek(pos, io.SeekStart) // WriteAt leaves the offset
			}
			return p.compare(what, n, err, n2, err2)
		}
		p.log = append(p.log, what+": refused, O_DIRECT")
		if n != 0 || !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "multiple of") {
			p.t.Errorf("%s on a direct File: %d, %v; want 0 and EINVAL saying what is misaligned", what, n, err)
			return false
		}
		return true
	}
	n1, err1 := fileWrite()
	var n2 int
	var err2 error
	switch {
	case !positional:
		n2, err2 = p.os.Write(data)
	case p.appends && !p.closed:
		// WriteAt on an O_APPEND File appends, as pwrite(2) does, and
		// leaves the offset; os.File refuses it.
		pos, err := p.os.Seek(0, io.SeekCurrent)
		if err != nil {
			p.t.Fatal(err)
		}
		n2, err2 = p.os.Write(data)
		if _, err := p.os.Seek(pos, io.SeekStart); err != nil {
			p.t.Fatal(err)
		}
	default:
		n2, err2 = p.os.WriteAt(data, off)
	}
	return p.compare(what, n1, err1, n2, err2)
}

// refusesWrite reports whether a write of n bytes, at the file offset or at
// off if positional, is one that O_DIRECT makes the File refuse: an offset
// or length that is not aligned, or, byKernel, an append to a file whose
// end is not, which only the kernel can see. A write of nothing, or at a
// negative offset, is refused for that instead.
func (p *twinPair) refusesWrite(n int, off int64, positional bool) (refused, byKernel bool) {
	switch {
	case !p.direct || n == 0 || positional && off < 0:
		return false, false
	case n%p.align != 0:
		return true, false
	case p.appends:
		st, err := p.os.Stat()
		return err == nil && st.Size()%int64(p.align) != 0, true
	case !positional:
		pos, err := p.os.Seek(0, io.SeekCurrent)
		return err == nil && pos%int64(p.align) != 0, false
	}
	return off%int64(p.align) != 0, false
}

// compare compares the results of one call on the File and on the twin,
// and the offsets after it.
func (p *twinPair) compare(what string, n1 int, err1 error, n2 int, err2 error) bool {
	p.log = append(p.log, fmt.Sprintf("%s = %d, %v", what, n1, err1))
	c1, c2 := errorClass(err1), errorClass(err2)
	if p.closed {
		// The File refuses whatever comes after Close; os.File's ReadAt
		// and WriteAt look at their arguments first.
		if n1 != 0 || c1 != "closed" {
			p.t.Errorf("%s after Close = %d, %v (%s); want 0 and ErrClosed", what, n1, err1, c1)
			return false
		}
		return true
	}
	if n1 != n2 || c1 != c2 {
		p.t.Errorf("%s = %d, %v (%s); the twin's %d, %v (%s)", what, n1, err1, c1, n2, err2, c2)
		return false
	}
	if !p.closed {
		return p.compareOffsets()
	}
	return true
}

func (p *twinPair) compareOffsets() bool {
	o1, err1 := p.f.Seek(0, io.SeekCurrent)
	o2, err2 := p.os.Seek(0, io.SeekCurrent)
	if o1 != o2 || err1 != nil || err2 != nil {
		p.t.Errorf("offsets: %d, %v; the twin's %d, %v", o1, err1, o2, err2)
		return false
	}
	return true
}

func (p *twinPair) sameBytes(a, b []byte) bool {
	if !bytes.Equal(a, b) {
		p.t.Errorf("the bytes read differ at byte %d of %d", firstDifference(a, b), len(a))
		return false
	}
	return true
}

// errorClass names what an error means to a caller: nil, io.EOF, closed,
// or the errno. An os.File's "negative offset" is EINVAL, as the File's
// error of it is.
func errorClass(err error) string {
	var errno syscall.Errno
	switch {
	case err == nil:
		return "nil"
	case err == io.EOF:
		return "EOF"
	case errors.Is(err, os.ErrClosed):
		return "closed"
	case errors.As(err, &errno):
		return unix.ErrnoName(errno)
	case strings.HasSuffix(err.Error(), "negative offset"):
		return unix.ErrnoName(syscall.EINVAL)
	}
	return "other: " + err.Error()
}
