package aio_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// A read on an empty FIFO blocks inside io_submit until a writer comes: the
// kernel has no asynchronous path for pipes. These tests use one to stall
// io_submit for as long as they like.

// openBlockingFIFO makes a FIFO in dir and binds a blocking descriptor for
// it, read-write so that opening does not wait for a writer, to c. (os.Open
// would make it nonblocking for the runtime poller, and the kernel would then
// fail the read with EAGAIN instead of blocking.) It also returns the FIFO's
// path.
func openBlockingFIFO(t *testing.T, c *aio.Context, dir string) (*aio.File, string) {
	t.Helper()
	path := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.NewFile(os.NewFile(uintptr(fd), path))
	if err != nil {
		t.Fatal(err)
	}
	return f, path
}

type result struct {
	n   int
	err error
}

func readSoon(ctx context.Context, f *aio.File, p []byte) <-chan result {
	done := make(chan result, 1)
	go func() {
		n, err := f.ReadAtContext(ctx, p, 0, 0)
		done <- result{n, err}
	}()
	return done
}

func expectPending(t *testing.T, done <-chan result, what string) {
	t.Helper()
	select {
	case r := <-done:
		t.Fatalf("%s returned (%d, %v) while it should still wait", what, r.n, r.err)
	default:
	}
}

func expectResult(t *testing.T, done <-chan result, what string) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no result after 10 s", what)
		return result{}
	}
}

// waitInSubmit waits until n threads of the process are inside io_submit,
// as /proc/self/task/*/syscall shows. Where the kernel does not show it, it
// waits 100 ms instead.
func waitInSubmit(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := threadsInSubmit()
		switch {
		case got < 0:
			time.Sleep(100 * time.Millisecond)
			return
		case got >= n:
			return
		case time.Now().After(deadline):
			t.Fatalf("%d threads inside io_submit after 10 s; want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// threadsInSubmit returns how many threads of the process are inside
// io_submit, or -1 if /proc does not say.
func threadsInSubmit() int {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return -1
	}
	count, read := 0, 0
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join("/proc/self/task", task.Name(), "syscall"))
		if err != nil {
			continue
		}
		read++
		if nr, _, _ := strings.Cut(string(b), " "); nr == strconv.Itoa(aio.SysIoSubmit) {
			count++
		}
	}
	if read == 0 {
		return -1
	}
	return count
}

// TestBlockedSubmissions stalls io_submit with reads on an empty FIFO and
// checks what must not wait for it: O_DIRECT reads of another file, a queued
// request whose deadline passes, and a queued request when the Context
// closes. Close itself waits for the reads inside io_submit, which complete
// once the FIFO has data.
func TestBlockedSubmissions(t *testing.T) {
	dir := testDir(t)
	c, err := aio.NewContext(16)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			c.Close()
		}
	}()
	fifo, path := openBlockingFIFO(t, c, t.TempDir())
	defer fifo.Close()
	writer, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	// Should the test fail, the reads still blocked get their bytes, so
	// that the Closes above return.
	defer writer.Write(make([]byte, 8))

	// Two reads that block inside io_submit: as many io_submit calls as a
	// File may have running, so later requests on the FIFO stay queued.
	// The second may queue behind the first for a while before it submits
	// itself: the test goes on once both are inside io_submit.
	stalled := []<-chan result{
		readSoon(context.Background(), fifo, make([]byte, 1)),
		readSoon(context.Background(), fifo, make([]byte, 1)),
	}
	waitInSubmit(t, 2)

	// O_DIRECT reads on another File go ahead.
	f := openTemp(t, c, dir, 0)
	data := pattern(newBuf(t, 64<<10), 1)
	if _, err := f.WriteAt(data, 0); err != nil {
		t.Fatal(err)
	}
	buf := newBuf(t, 4096)
	var slowest time.Duration
	for i := range 200 {
		off := int64(i%16) * 4096
		start := time.Now()
		if _, err := f.ReadAt(buf, off); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
		requireEqual(t, buf, data[off:off+4096], "O_DIRECT read while io_submit is blocked on a FIFO")
	}
	t.Logf("slowest of 200 O_DIRECT reads beside two blocked io_submit calls: %v", slowest)
	for _, s := range stalled {
		expectPending(t, s, "a read on an empty FIFO")
	}

	// A request queued behind the blocked ones honours its deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	r := expectResult(t, readSoon(ctx, fifo, make([]byte, 1)), "a queued read whose deadline passed")
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("queued read with a deadline returned (%d, %v), want context.DeadlineExceeded", r.n, r.err)
	}

	// Close fails what is queued at once, and waits for what is inside
	// io_submit.
	queued := readSoon(context.Background(), fifo, make([]byte, 1))
	time.Sleep(10 * time.Millisecond) // let it queue; if it has not, Close refuses it all the same
	closeDone := make(chan error, 1)
	go func() { closeDone <- c.Close() }()
	closed = true
	r = expectResult(t, queued, "a queued read when the Context closed")
	if !errors.Is(r.err, aio.ErrClosed) {
		t.Fatalf("queued read returned (%d, %v) after Close, want ErrClosed", r.n, r.err)
	}
	select {
	case err := <-closeDone:
		t.Fatalf("Close returned (%v) while reads were inside io_submit", err)
	case <-time.After(50 * time.Millisecond):
	}
	if _, err := writer.Write([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	for _, s := range stalled {
		if r := expectResult(t, s, "a FIFO read after a write"); r.err != nil || r.n != 1 {
			t.Fatalf("FIFO read returned (%d, %v), want (1, nil)", r.n, r.err)
		}
	}
	select {
	case err := <-closeDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the reads in io_submit completed")
	}
}

// TestSlowBufferedWrite writes 64 MiB (where there is room) through the page cache, which the
// kernel does inside io_submit, while O_DIRECT reads of another file go on.
// Both must complete correctly; the reads' latencies are logged.
func TestSlowBufferedWrite(t *testing.T) {
	dir := testDir(t)
	c := newContext(t, 16)
	buffered := openBound(t, c, filepath.Join(dir, "buffered"), os.O_RDWR|os.O_CREATE|os.O_EXCL)
	f := openTemp(t, c, dir, 0)
	data := pattern(newBuf(t, 64<<10), 2)
	if _, err := f.WriteAt(data, 0); err != nil {
		t.Fatal(err)
	}

	// 64 MiB, or a quarter of the free space where there is less.
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	size := min(64<<20, int64(fs.Bavail)*int64(fs.Bsize)/4) &^ 4095
	big := pattern(make([]byte, size), 3)
	writeDone := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := buffered.WriteAt(big, 0)
		writeDone <- err
	}()
	buf := newBuf(t, 4096)
	var reads int
	var slowest time.Duration
	for writing := true; writing; reads++ {
		select {
		case err := <-writeDone:
			if err != nil {
				t.Fatal(err)
			}
			writing = false
		default:
		}
		off := int64(reads%16) * 4096
		readStart := time.Now()
		if _, err := f.ReadAt(buf, off); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(readStart))
		requireEqual(t, buf, data[off:off+4096], "O_DIRECT read during a buffered write")
	}
	t.Logf("%d MiB buffered write took %v; %d O_DIRECT reads meanwhile, the slowest %v", size>>20, time.Since(start), reads, slowest)
	check := make([]byte, len(big))
	if _, err := buffered.ReadAt(check, 0); err != nil {
		t.Fatal(err)
	}
	requireEqual(t, check, big, "the buffered write read back")
}
