// Package guesttest holds the guest halves of the VM tests: they run inside
// the VM that vmtests.TestVM starts, against the disks that its header
// describes, and skip everywhere else.
package guesttest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// rawUnwritten is where no test writes the raw disk, from there to its end:
// it keeps the image pattern for any test that reads it.
const rawUnwritten = 3 << 20

// sentinel is what tests fill buffers with before reading into them: no
// word of the image pattern consists of it.
const sentinel = 0xa5

// hang bounds waits for what should happen much sooner, even in an emulated
// VM: reaching it means that something hangs.
const hang = 2 * time.Minute

// newContext returns a Context that is closed when the test ends.
func newContext(t testing.TB, maxEvents int, opts ...aio.Option) *aio.Context {
	t.Helper()
	c, err := aio.NewContext(maxEvents, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// newBuf returns size bytes of page-aligned memory, freed when the test
// ends.
func newBuf(t testing.TB, size int) []byte {
	t.Helper()
	b, err := aio.NewBuf(size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Free(); err != nil {
			t.Error(err)
		}
	})
	return b.Bytes()
}

// openDisk opens the device of d for direct I/O through c and closes it when
// the test ends.
func openDisk(t testing.TB, c *aio.Context, d testvm.Disk) *aio.File {
	t.Helper()
	dev, err := testvm.Find(d.Serial)
	if err != nil {
		t.Fatal(err)
	}
	return openFile(t, c, dev, os.O_RDWR)
}

// requireDisk skips t as unsupported here, saying why, if the host did not
// attach d, which it does only where the machine has what d needs.
func requireDisk(t testing.TB, d testvm.Disk, why string) {
	t.Helper()
	disks, err := testvm.Attached()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(disks, d) {
		t.Skipf("%s%s is not attached: %s", testvm.Unsupported, d.Serial, why)
	}
}

// openFile opens name for direct I/O through c and closes it when the test
// ends.
func openFile(t testing.TB, c *aio.Context, name string, flag int) *aio.File {
	t.Helper()
	f, err := c.OpenFile(name, flag, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// checkIO fails the test unless an I/O of want bytes returned n == want and
// a nil error.
func checkIO(t testing.TB, what string, n int, err error, want int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if n != want {
		t.Fatalf("%s: %d bytes, want %d", what, n, want)
	}
}

// checkData fails the test unless p holds the pattern with the given seed
// for offset off.
func checkData(t testing.TB, what string, p []byte, off int64, seed uint16) {
	t.Helper()
	if err := testvm.Check(p, off, seed); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// findDisk returns the device node of d.
func findDisk(t testing.TB, d testvm.Disk) string {
	t.Helper()
	dev, err := testvm.Find(d.Serial)
	if err != nil {
		t.Fatal(err)
	}
	return dev
}

// blockAttr returns the number in the sysfs attribute attr (a path below
// /sys/block/<device>) of the block device dev.
func blockAttr(t testing.TB, dev, attr string) int {
	t.Helper()
	name := filepath.Join("/sys/block", filepath.Base(dev), attr)
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// offsetRE finds the offsets that an error message names.
var offsetRE = regexp.MustCompile(`\boffset (\d+)\b`)

// checkIOError returns why err is not the error of an I/O operation op (as
// the package names it: "read", "write") on the file path at offset off
// that failed with errno, or nil if it is: an *os.PathError for op and
// path that matches errno and names the offset in decimal.
func checkIOError(err error, errno syscall.Errno, op, path string, off int64) error {
	var pe *os.PathError
	switch {
	case err == nil:
		return errors.New("no error")
	case !errors.Is(err, errno):
		return fmt.Errorf("%v, which does not match %v", err, errno)
	case !errors.As(err, &pe):
		return fmt.Errorf("%v (%T), which is no *os.PathError", err, err)
	case pe.Op != op || pe.Path != path:
		return fmt.Errorf("%v, which is not about %s of %s", err, op, path)
	}
	for _, m := range offsetRE.FindAllStringSubmatch(err.Error(), -1) {
		if m[1] == strconv.FormatInt(off, 10) {
			return nil
		}
	}
	return fmt.Errorf("%q does not name the request's offset, %d", err, off)
}

// waitGoroutines waits until at most n goroutines exist, and fails the test
// with the stacks of all of them if that does not happen soon. Goroutines
// that have done their work may take a moment to exit.
func waitGoroutines(t testing.TB, n int) {
	t.Helper()
	const grace = 10 * time.Second
	start := time.Now()
	for runtime.NumGoroutine() > n {
		if time.Since(start) > grace {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines %v after the test's work ended, want at most %d:\n%s",
				runtime.NumGoroutine(), grace, n, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// closeWithin closes c and fails the test if Close fails or has not
// returned after limit: a hang is what the Close tests look for.
func closeWithin(t *testing.T, c *aio.Context, limit time.Duration) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(limit):
		t.Fatal("Close did not return")
	}
}
