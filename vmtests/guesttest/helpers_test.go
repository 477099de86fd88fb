// Package guesttest holds the guest halves of the VM tests: they run inside
// the VM that vmtests.TestVM starts, against the disks that its header
// describes, and skip everywhere else.
package guesttest

import (
	"os"
	"testing"

	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// newContext returns a Context that is closed when the test ends.
func newContext(t testing.TB, maxEvents int) *aio.Context {
	t.Helper()
	c, err := aio.NewContext(maxEvents)
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
