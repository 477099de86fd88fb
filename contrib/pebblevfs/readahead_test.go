package pebblevfs

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// testTable writes a table of size bytes, each position's byte a function
// of it, and returns its name and contents.
func testTable(t *testing.T, fs vfs.FS, name string, size int) (string, []byte) {
	t.Helper()
	path := filepath.Join(testDir(t), name)
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*13 + i>>12)
	}
	writeFile(t, fs, path, data)
	return path, data
}

// openDirect opens a table through fs and fails unless it is direct with
// read-ahead.
func openDirect(t *testing.T, fs *FS, name string, opts ...vfs.OpenOption) *directFile {
	t.Helper()
	f, err := fs.Open(name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	df, ok := f.(*directFile)
	if !ok || df.ra == nil {
		t.Fatalf("Open(%s) gave a %T without read-ahead, want a direct file with it", name, f)
	}
	return df
}

// readInOrder reads f from off to its end in reads of uneven lengths,
// checking every byte against data, and returns the bytes read.
func readInOrder(t *testing.T, f vfs.File, data []byte, off int, lengths func(i int) int) int {
	t.Helper()
	read := 0
	for i := 0; off < len(data); i++ {
		p := make([]byte, lengths(i))
		n, err := f.ReadAt(p, int64(off))
		want := min(len(p), len(data)-off)
		if n != want || (n < len(p)) != (err == io.EOF) || (err != nil && err != io.EOF) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; want %d", len(p), off, n, err, want)
		}
		if !bytes.Equal(p[:n], data[off:off+n]) {
			t.Fatalf("ReadAt(%d bytes at %d) returned other bytes than the file's", len(p), off)
		}
		off += n
		read += n
	}
	return read
}

// TestReadaheadRunInOrder reads a table opened for random reads in order,
// as Gets in key order do: from the second read on, reads take their data
// from windows read ahead, and little is read beyond the file.
func TestReadaheadRunInOrder(t *testing.T) {
	fs := newFS(t)
	name, data := testTable(t, fs, "000001.sst", 3<<20+1234)
	f := openDirect(t, fs, name, vfs.RandomReadsOption)
	read := readInOrder(t, f, data, 0, func(i int) int { return 4000 + i*7919%36000 })
	served, started := fs.ra.served.Load(), fs.ra.started.Load()
	t.Logf("read %d bytes: %d from windows, %d read ahead", read, served, started)
	if served < int64(read)*9/10 {
		t.Errorf("reads in order took %d of %d bytes from windows, want 90%% or more", served, read)
	}
	if started > int64(len(data))+runAhead {
		t.Errorf("%d bytes were read ahead of a %d-byte file", started, len(data))
	}
	// The windows read through are dropped as the reads pass them.
	if held := heldBytes(fs); held > runAhead {
		t.Errorf("after reading the file through, the FS holds %d bytes of windows, want at most %d", held, runAhead)
	}
}

// TestReadaheadSkipsRandomReads reads a table at random: reads that do not
// follow each other start almost no windows.
func TestReadaheadSkipsRandomReads(t *testing.T) {
	fs := newFS(t)
	name, data := testTable(t, fs, "000001.sst", 8<<20)
	f := openDirect(t, fs, name)
	rng := rand.New(rand.NewPCG(3, 4))
	read := 0
	for range 2000 {
		p := make([]byte, 4096+rng.IntN(28000))
		off := rng.IntN(len(data) - len(p))
		if n, err := f.ReadAt(p, int64(off)); n != len(p) || err != nil || !bytes.Equal(p, data[off:off+n]) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v, or other bytes than the file's", len(p), off, n, err)
		}
		read += len(p)
	}
	started := fs.ra.started.Load()
	t.Logf("random reads of %d bytes started %d bytes of windows", read, started)
	if started > int64(read)/20 {
		t.Errorf("random reads of %d bytes read %d ahead, want under 5%%", read, started)
	}
}

// TestReadaheadSequentialOpen reads a table opened with
// vfs.SequentialReadsOption, as a compaction does: direct, and read ahead
// from the first read, also from an offset inside the file.
func TestReadaheadSequentialOpen(t *testing.T) {
	fs := newFS(t)
	name, data := testTable(t, fs, "000001.sst", 5<<20+99)
	f := openDirect(t, fs, name, vfs.SequentialReadsOption)
	if !f.file.Direct() || !f.ra.all {
		t.Fatal("a table opened for sequential reads is not read directly as one run")
	}
	read := readInOrder(t, f, data, 12345, func(int) int { return 32 << 10 })
	if served := fs.ra.served.Load(); served < int64(read)*95/100 {
		t.Errorf("a sequential file took %d of %d bytes from windows, want 95%% or more", served, read)
	}
	if held := heldBytes(fs); held > sequentialAhead {
		t.Errorf("after reading the file through, the FS holds %d bytes of windows, want at most %d", held, sequentialAhead)
	}
}

// TestPrefetch starts reads of a range with Prefetch: the reads in it take
// all their bytes from the windows, and a second Prefetch of the same range
// reads nothing again.
func TestPrefetch(t *testing.T) {
	fs := newFS(t)
	name, data := testTable(t, fs, "000001.sst", 1<<20)
	f := openDirect(t, fs, name)
	const off, length = 100_000, 256 << 10
	if err := f.Prefetch(off, length); err != nil {
		t.Fatal(err)
	}
	started := fs.ra.started.Load()
	if started < length {
		t.Fatalf("Prefetch of %d bytes started %d", length, started)
	}
	if err := f.Prefetch(off+1000, length-2000); err != nil {
		t.Fatal(err)
	}
	if again := fs.ra.started.Load(); again != started {
		t.Fatalf("a second Prefetch of a range held read %d more bytes", again-started)
	}
	p := make([]byte, 50_000)
	if n, err := f.ReadAt(p, off); n != len(p) || err != nil || !bytes.Equal(p, data[off:off+len(p)]) {
		t.Fatalf("ReadAt after Prefetch = %d, %v, or other bytes than the file's", n, err)
	}
	if served := fs.ra.served.Load(); served != int64(len(p)) {
		t.Fatalf("a read of a prefetched range took %d of its %d bytes from windows", served, len(p))
	}
	// Prefetch past the end reads what there is; reads there still end with
	// io.EOF.
	if err := f.Prefetch(int64(len(data))-1000, 1<<20); err != nil {
		t.Fatal(err)
	}
	if n, err := f.ReadAt(p[:2000], int64(len(data))-1000); n != 1000 || err != io.EOF || !bytes.Equal(p[:n], data[len(data)-1000:]) {
		t.Fatalf("ReadAt across the end after Prefetch = %d, %v", n, err)
	}
	for _, r := range [][2]int64{{-1, 10}, {10, -1}, {10, 0}, {1 << 40, 1 << 20}} {
		if err := f.Prefetch(r[0], r[1]); err != nil {
			t.Fatalf("Prefetch(%d, %d) = %v; advice never fails on an open file", r[0], r[1], err)
		}
	}
}

// heldBytes returns the bytes the FS holds in windows.
func heldBytes(fs *FS) int64 {
	fs.ra.mu.Lock()
	defer fs.ra.mu.Unlock()
	return fs.ra.held
}

// waitHeld waits up to 10 s for the FS to hold want bytes in windows,
// which their requests give back as they complete.
func waitHeld(t *testing.T, fs *FS, want int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); heldBytes(fs) != want; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the FS holds %d bytes in windows, want %d", heldBytes(fs), want)
		}
	}
}

// TestReadaheadMemoryLimit prefetches more than the limit on several
// files: the FS never holds more than it, the reads are right, and closing
// the files gives all the memory back.
func TestReadaheadMemoryLimit(t *testing.T) {
	const limit = 512 << 10
	fs := newFSWith(t, &Options{ReadaheadMemory: limit})
	var files []*directFile
	var datas [][]byte
	for i := range 4 {
		name, data := testTable(t, fs, "00000"+string(rune('1'+i))+".sst", 1<<20+i*1000)
		files, datas = append(files, openDirect(t, fs, name)), append(datas, data)
	}
	for round := range 3 {
		for i, f := range files {
			if err := f.Prefetch(int64(round*300_000), 1<<20); err != nil {
				t.Fatal(err)
			}
			if held := heldBytes(fs); held > limit {
				t.Fatalf("the FS holds %d bytes in windows, over its limit of %d", held, limit)
			}
			readInOrder(t, f, datas[i], round*300_000, func(int) int { return 60_000 })
		}
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	waitHeld(t, fs, 0)
}

// TestReadaheadOff checks the switches: with NoReadahead Prefetch and
// reads in order read nothing ahead; with BufferedSequentialReads a table
// opened for sequential reads is the wrapped FS's.
func TestReadaheadOff(t *testing.T) {
	fs := newFSWith(t, &Options{NoReadahead: true})
	name, data := testTable(t, fs, "000001.sst", 1<<20)
	for _, opts := range [][]vfs.OpenOption{nil, {vfs.SequentialReadsOption}} {
		f, err := fs.Open(name, opts...)
		if err != nil {
			t.Fatal(err)
		}
		df, ok := f.(*directFile)
		if !ok || df.ra != nil {
			t.Fatalf("with NoReadahead, Open with %d options gave a %T with read-ahead %v", len(opts), f, ok && df.ra != nil)
		}
		if err := f.Prefetch(0, 1<<20); err != nil {
			t.Fatal(err)
		}
		readInOrder(t, f, data, 0, func(int) int { return 40_000 })
		f.Close()
	}
	if fs.ra != nil {
		t.Fatal("an FS with NoReadahead has read-ahead state")
	}

	fs = newFSWith(t, &Options{BufferedSequentialReads: true})
	f, err := fs.Open(name, vfs.SequentialReadsOption)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := f.(*wrappedFile); !ok {
		t.Fatalf("with BufferedSequentialReads, a sequential open gave a %T, want the wrapped FS's file", f)
	}
	readInOrder(t, f, data, 0, func(int) int { return 40_000 })

	if _, err := New(&Options{ReadaheadMemory: -1}); err == nil {
		t.Fatal("New with ReadaheadMemory -1 succeeded")
	}
}

// TestReadaheadTwin runs random ReadAts and Prefetches from several
// goroutines on a direct file with a small memory limit and on an os.File
// of the same table, and compares every result; then closes the file while
// they run, after which every call fails with os.ErrClosed, and the FS gets
// all its memory back.
func TestReadaheadTwin(t *testing.T) {
	fs := newFSWith(t, &Options{ReadaheadMemory: 1 << 20})
	name, data := testTable(t, fs, "000001.sst", 2<<20+777)
	f := openDirect(t, fs, name)
	twin, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer twin.Close()

	var wg sync.WaitGroup
	// Goroutine 0 says when to close: after 300 reads, or as it stops
	// early, so that a failure cannot leave the test waiting.
	closeNow := make(chan struct{})
	var once sync.Once
	signal := func() { once.Do(func() { close(closeNow) }) }
	errs := make(chan error, 8)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if g == 0 {
				defer signal()
			}
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			off := rng.IntN(len(data))
			for i := 0; ; i++ {
				if rng.IntN(8) == 0 {
					off = rng.IntN(len(data) + 10_000)
				}
				if rng.IntN(10) == 0 {
					err := f.Prefetch(int64(off), int64(rng.IntN(600_000)))
					if err != nil && !errors.Is(err, os.ErrClosed) {
						errs <- err
						return
					}
				}
				p := make([]byte, 1+rng.IntN(70_000))
				q := make([]byte, len(p))
				n, err := f.ReadAt(p, int64(off))
				if errors.Is(err, os.ErrClosed) {
					return
				}
				m, twinErr := twin.ReadAt(q, int64(off))
				if n != m || err != twinErr || !bytes.Equal(p[:n], q[:m]) {
					errs <- errors.New("ReadAt differs from the os.File's")
					t.Logf("ReadAt(%d bytes at %d) = %d, %v; os.File: %d, %v", len(p), off, n, err, m, twinErr)
					return
				}
				off += n
				if i == 300 && g == 0 {
					signal()
				}
			}
		}()
	}
	<-closeNow
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := f.ReadAt(make([]byte, 10), 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("ReadAt after Close = %v, want os.ErrClosed", err)
	}
	if err := f.Prefetch(0, 10); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Prefetch after Close = %v, want os.ErrClosed", err)
	}
	waitHeld(t, fs, 0)
}

// TestReadaheadRead reads a table opened for sequential reads with Read, as
// vfs.Copy does: the bytes are the file's, in order, to io.EOF, and are
// taken from read-ahead.
func TestReadaheadRead(t *testing.T) {
	fs := newFS(t)
	name, data := testTable(t, fs, "000001.sst", 2<<20+321)
	f := openDirect(t, fs, name, vfs.SequentialReadsOption)
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAll = %d bytes, %v; want the file's %d", len(got), err, len(data))
	}
	if n, err := f.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v; want io.EOF", n, err)
	}
	if served := fs.ra.served.Load(); served < int64(len(data))*9/10 {
		t.Errorf("Read took %d of %d bytes from read-ahead, want 90%% or more", served, len(data))
	}
}
