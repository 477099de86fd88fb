package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linuxaio/aio"
)

// binary is the clouddisk command, built once for the tests without the
// race detector: the disk is measured here, and an instrumented server
// would be a slower disk than the benchmarks use.
var binary string

func TestMain(m *testing.M) {
	code, err := buildAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func buildAndRun(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "clouddisk-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "clouddisk")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("building clouddisk: %v\n%s", err, out)
	}
	return m.Run(), nil
}

// disk is a clouddisk process serving backing at mnt.
type disk struct {
	backing, mnt string
	cmd          *exec.Cmd
}

// startDisk mounts a clouddisk with the given flags and unmounts it when
// the test ends.
func startDisk(t *testing.T, flags ...string) *disk {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skipf("the kernel offers no FUSE here (/dev/fuse: %v)", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a FUSE filesystem needs root")
	}
	d := &disk{backing: t.TempDir(), mnt: t.TempDir()}
	d.cmd = exec.Command(binary, append([]string{"-backing", d.backing, "-mount", d.mnt}, flags...)...)
	d.cmd.Stderr = os.Stderr
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop(t) })
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if strings.TrimSpace(line) != "ready" {
			t.Fatalf("clouddisk printed %q instead of ready", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("clouddisk did not print ready within 30 s")
	}
	return d
}

func (d *disk) stop(t *testing.T) {
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("clouddisk exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		<-done
		syscall.Unmount(d.mnt, syscall.MNT_DETACH)
		t.Errorf("clouddisk did not exit within 30 s of SIGTERM")
	}
}

// fill writes size random bytes to name in the disk's backing directory
// and returns them.
func (d *disk) fill(t *testing.T, name string, size int) []byte {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	path := filepath.Join(d.backing, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

// openDirect opens name on the disk with O_DIRECT through a new Context.
func (d *disk) openDirect(t *testing.T, name string, depth int) (*aio.Context, *aio.File) {
	t.Helper()
	c, err := aio.NewContext(depth)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	f, err := c.OpenFile(filepath.Join(d.mnt, name), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Direct() {
		t.Fatal("the disk's file was not opened with O_DIRECT")
	}
	t.Cleanup(func() { f.Close() })
	return c, f
}

const (
	testLatency = time.Millisecond
	testJitter  = 100 * time.Microsecond
	block       = 4096
)

// readRandom keeps depth random 4 KiB O_DIRECT reads of f in flight with
// the batch API until n have completed, checks each against want, and
// returns each read's latency.
func readRandom(t *testing.T, c *aio.Context, f *aio.File, want []byte, depth, n int) []time.Duration {
	t.Helper()
	blocks := len(want) / block
	reqs := make([]*aio.Request, depth)
	started := make([]time.Time, depth)
	next := func(i int) {
		reqs[i].Offset = int64(mrand.IntN(blocks)) * block
		started[i] = time.Now()
	}
	for i := range reqs {
		reqs[i] = &aio.Request{File: f, Op: aio.OpRead, Buf: aio.AlignedBytes(block), Tag: uint64(i)}
		next(i)
	}
	var lat []time.Duration
	submitted := depth
	err := c.Run(context.Background(), reqs, func(r *aio.Request) (bool, error) {
		i := int(r.Tag)
		lat = append(lat, time.Since(started[i]))
		if r.Err != nil {
			return false, r.Err
		}
		if r.N != block || !bytes.Equal(r.Buf, want[r.Offset:r.Offset+block]) {
			return false, fmt.Errorf("read of %d bytes at %d does not match the backing file", r.N, r.Offset)
		}
		if submitted == n {
			return false, nil
		}
		submitted++
		next(i)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lat
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestLatency checks that one read at a time takes the set latency, so
// that a benchmark cannot run on a fast device without noticing. The file
// is two directories down, where the disk's nodes come from WrapChild.
func TestLatency(t *testing.T) {
	d := startDisk(t, "-latency", testLatency.String(), "-jitter", testJitter.String())
	want := d.fill(t, "a/b/data", 16<<20)
	c, f := d.openDirect(t, "a/b/data", 1)
	lat := readRandom(t, c, f, want, 1, 200)
	low, high := slices.Min(lat), median(lat)
	t.Logf("one read in flight: median %v, fastest %v (set: %v±%v)", high, low, testLatency, testJitter)
	if low < testLatency-testJitter {
		t.Errorf("a read took %v, less than the disk's least latency %v", low, testLatency-testJitter)
	}
	if high > testLatency+2*time.Millisecond {
		t.Errorf("the median read took %v, far more than the set %v: the disk is not answering on time", high, testLatency)
	}
}

// TestOverlap checks that reads in flight overlap: 64 at a time through
// kernel AIO complete many times faster than one at a time, which needs
// io_submit to return before the reads complete and the disk to serve them
// at once. It runs the disk at 2 ms, where 64 in flight ask for half the
// reads/s that they do at 1 ms, so that a slow or busy machine's CPUs,
// which serve every FUSE request, do not decide the result.
func TestOverlap(t *testing.T) {
	d := startDisk(t, "-latency", "2ms", "-jitter", testJitter.String())
	want := d.fill(t, "data", 64<<20)
	rate := func(depth, n int) float64 {
		c, f := d.openDirect(t, "data", depth)
		start := time.Now()
		readRandom(t, c, f, want, depth, n)
		return float64(n) / time.Since(start).Seconds()
	}
	one := rate(1, 200)
	many := rate(64, 12000)
	t.Logf("reads/s: %.0f with 1 in flight, %.0f with 64 (%.1f×)", one, many, many/one)
	// Ideally 64×; the machine's CPUs serving FUSE requests bound it. Half
	// of that still rules out a disk that serves one request at a time.
	if many < 32*one {
		t.Errorf("64 reads in flight gave %.1f× the reads/s of 1; the disk must overlap them (at least 32×)", many/one)
	}
}

// TestData checks that the disk moves data faithfully both ways: O_DIRECT
// writes through kernel AIO land in the backing file, buffered writes and
// reads work, files can be created, renamed, synced and removed, and a flush
// takes the latency.
func TestData(t *testing.T) {
	d := startDisk(t, "-latency", "2ms", "-jitter", "0s")
	want := d.fill(t, "data", 1<<20)
	_, f := d.openDirect(t, "data", 8)

	out := aio.AlignedBytes(3 * block)
	rand.Read(out)
	if _, err := f.WriteAt(out, 5*block); err != nil {
		t.Fatal(err)
	}
	copy(want[5*block:], out)
	got, err := os.ReadFile(filepath.Join(d.backing, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the backing file differs from what was written through the disk")
	}

	name := filepath.Join(d.mnt, "new")
	g, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Write([]byte("buffered")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 2*time.Millisecond {
		t.Errorf("fsync took %v, less than the disk's 2 ms latency", took)
	}
	if err := os.Rename(name, name+"2"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(name + "2"); err != nil || string(b) != "buffered" {
		t.Fatalf("reading the renamed file: %q, %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(d.backing, "new2")); err != nil || string(b) != "buffered" {
		t.Fatalf("the backing directory has %q, %v for the renamed file", b, err)
	}
	if err := os.Remove(name + "2"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d.backing, "new2")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the removed file is still in the backing directory: %v", err)
	}
}

// TestBadFlags checks that the command refuses what it cannot serve, with
// the reason, before it mounts anything.
func TestBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-backing and -mount are required"},
		{[]string{"-backing", dir, "-mount", dir, "-latency", "0s"}, "latency 0s: it must be more than zero"},
		{[]string{"-backing", dir, "-mount", dir, "-jitter", "2ms"}, "jitter 2ms: it must be between 0 and the latency (1ms)"},
		{[]string{"-backing", filepath.Join(dir, "missing"), "-mount", dir}, "backing directory"},
	} {
		out, err := exec.Command(binary, tc.args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("clouddisk %q: %v, output %q; want a failure saying %q", tc.args, err, out, tc.want)
		}
	}
}
