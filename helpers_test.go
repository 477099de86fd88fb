package aio_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linuxaio/aio"
)

// TestMain fails the run if any goroutine is still inside the package after
// the tests (a leader left waiting in the kernel, a keeper, a call that never
// returned): every test closes what it opens and waits for what it starts.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := checkNoGoroutinesInside(5 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func checkNoGoroutinesInside(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "github.com/linuxaio/aio.") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("goroutine leak: a goroutine is still inside package aio:\n%s", stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// reapingModes are the two ways a Context reaps completions, for tests that
// run in both.
var reapingModes = []struct {
	name string
	opts []aio.Option
}{
	{"ring", nil},
	{"getevents", []aio.Option{aio.WithSyscallReaping()}},
}

// testDir returns a directory for test files on a filesystem that supports
// O_DIRECT: $AIO_TEST_DIR if set, else a temporary directory. The test is
// skipped, saying why, when the filesystem refuses O_DIRECT.
func testDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("AIO_TEST_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else {
		var err error
		if dir, err = os.MkdirTemp(dir, "aio-test-"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	probe := filepath.Join(dir, "odirect-probe")
	f, err := os.OpenFile(probe, os.O_RDWR|os.O_CREATE|syscall.O_DIRECT, 0o600)
	if errors.Is(err, syscall.EINVAL) {
		os.Remove(probe)
		t.Skipf("the filesystem of %s does not support O_DIRECT; set AIO_TEST_DIR to a directory on ext4 or xfs", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	os.Remove(probe)
	return dir
}

func newContext(t testing.TB, maxEvents int, opts ...aio.Option) *aio.Context {
	t.Helper()
	c, err := aio.NewContext(maxEvents, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Context.Close: %v", err)
		}
	})
	return c
}

// openTemp opens a new file in dir through c, with extra flags added to
// O_RDWR|O_CREATE|O_EXCL.
func openTemp(t testing.TB, c *aio.Context, dir string, flag int) *aio.File {
	t.Helper()
	f, err := c.OpenFile(filepath.Join(dir, fmt.Sprintf("f%d", time.Now().UnixNano())), os.O_RDWR|os.O_CREATE|os.O_EXCL|flag, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// openBound opens name with os.OpenFile, so without O_DIRECT unless flag
// has it, binds it to c with NewFile and closes it when the test ends.
func openBound(t testing.TB, c *aio.Context, name string, flag int) *aio.File {
	t.Helper()
	osFile, err := os.OpenFile(name, flag, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.NewFile(osFile)
	if err != nil {
		osFile.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func newBuf(t testing.TB, size int) []byte {
	t.Helper()
	b, err := aio.NewBuf(size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Free() })
	return b.Bytes()
}

// pattern fills b with bytes derived from seed, different for every block.
func pattern(b []byte, seed int) []byte {
	for i := range b {
		b[i] = byte(seed*131 + i*7 + i/4096)
	}
	return b
}

func requireEqual(t testing.TB, got, want []byte, what string) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: data differs at byte %d (got %d bytes, want %d)", what, i, len(got), len(want))
	}
}

// skipUnsupported skips t because the kernel or the filesystem lacks what it
// tests, as trying it showed. The message begins "unsupported here: ", which
// the VM tests accept from a guest and list in their summary; they fail a
// guest run on any other skip (vmtests/internal/testvm.Unsupported).
func skipUnsupported(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Skipf("unsupported here: "+format, args...)
}
