package aio_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/linuxaio/aio"
)

// TestProbe probes the test directory and checks every answer against what
// the kernel does when the package asks it directly, through a Context and
// its Files.
func TestProbe(t *testing.T) {
	dir := testDir(t)
	caps, err := aio.Probe(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Probe(%s):\n%v", dir, caps)
	if caps.AIO != nil {
		t.Fatalf("AIO: %v, where NewContext works", caps.AIO)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("Probe left %v behind in %s", entries, dir)
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	if want := unix.ByteSliceToString(u.Release[:]); caps.Path != dir || caps.Kernel != want {
		t.Errorf("Path, Kernel = %q, %q; want %q, %q", caps.Path, caps.Kernel, dir, want)
	}
	checkFilesystem(t, caps, dir)

	c := newContext(t, 4)
	f := openTemp(t, c, dir, 0)
	mem, off := f.Alignment()
	if !caps.DirectIO || caps.DirectMemAlign != mem || caps.DirectOffsetAlign != off {
		t.Errorf("DirectIO %v, alignment %d, %d; File.Alignment says %d, %d", caps.DirectIO, caps.DirectMemAlign, caps.DirectOffsetAlign, mem, off)
	}
	checkAtomicUnits(t, caps, f)

	for _, tc := range []struct {
		name     string
		got      bool
		kernelOK func(t *testing.T, c *aio.Context, dir string) bool
	}{
		// TestIoPgetevents requires io_pgetevents of this machine.
		{"Pgetevents", caps.Pgetevents, func(*testing.T, *aio.Context, string) bool { return true }},
		{"Poll", caps.Poll, pollWorks},
		{"NoWait", caps.NoWait, noWaitWorks},
		{"Append", caps.Append, appendWorks},
		{"DSync", caps.DSync, dsyncWorks},
		{"NoAppend", caps.NoAppend, noAppendWorks},
		{"Atomic", caps.Atomic, atomicWorks},
		{"DontCache", caps.DontCache, dontCacheWorks},
	} {
		if want := tc.kernelOK(t, c, dir); tc.got != want {
			t.Errorf("%s = %v; doing it through a File here says %v", tc.name, tc.got, want)
		}
	}
	if !kernelAtLeast(t, 6, 9) && caps.NoAppend {
		t.Error("NoAppend on a kernel older than 6.9")
	}
	if !kernelAtLeast(t, 6, 14) && caps.DontCache {
		t.Error("DontCache on a kernel older than 6.14")
	}

	checkSubmitCosts(t, caps)
	if caps.Filesystem == "ext4" {
		// ext4 waits inside io_submit for an O_DIRECT write that extends
		// the file (it completes it before returning, so that i_size is
		// right): a context switch per request. A buffered write does not
		// sleep at all, and so looks asynchronous by this measure, though
		// its copy is done in io_submit (DoneOnReturn, checked above).
		// The appends are what ext4 reliably blocks on.
		if a := caps.DirectAppend; a.Async || a.SwitchesPerRequest < 0.5 || a.DoneOnReturn != 1 {
			t.Errorf("DirectAppend on ext4 = %v; want about one context switch per request, each done on return", a)
		}
	}
	checkTable(t, caps)
}

// checkFilesystem checks the name of dir's filesystem against statfs, for
// the filesystems the tests run on.
func checkFilesystem(t *testing.T, caps *aio.Capabilities, dir string) {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	want, known := map[uint32]string{
		unix.EXT4_SUPER_MAGIC:  "ext4",
		unix.XFS_SUPER_MAGIC:   "xfs",
		unix.TMPFS_MAGIC:       "tmpfs",
		unix.BTRFS_SUPER_MAGIC: "btrfs",
	}[uint32(st.Type)]
	if known && caps.Filesystem != want || caps.Filesystem == "" {
		t.Errorf("Filesystem = %q; statfs says %#x (%s)", caps.Filesystem, st.Type, want)
	}
}

// checkAtomicUnits checks the atomic write units against statx of a file in
// the same place, and that atomic writes are not reported where statx says
// there are none.
func checkAtomicUnits(t *testing.T, caps *aio.Capabilities, f *aio.File) {
	t.Helper()
	st := statxAtomic(t, f.Name())
	wantMin, wantMax := int(st.Atomic_write_unit_min), int(st.Atomic_write_unit_max)
	if caps.AtomicWriteMin != wantMin || caps.AtomicWriteMax != wantMax {
		t.Errorf("atomic write units %d, %d; statx says %d, %d", caps.AtomicWriteMin, caps.AtomicWriteMax, wantMin, wantMax)
	}
	if wantMax == 0 && caps.Atomic {
		t.Error("Atomic, where statx reports no atomic write units")
	}
}

// checkSubmitCosts checks what every filesystem should show: each kind of
// request measured; O_DIRECT reads asynchronous; buffered writes done inside
// io_submit, which copies them into the page cache before it returns.
func checkSubmitCosts(t *testing.T, caps *aio.Capabilities) {
	t.Helper()
	costs := map[string]aio.SubmitCost{
		"DirectRead":      caps.DirectRead,
		"DirectOverwrite": caps.DirectOverwrite,
		"DirectAppend":    caps.DirectAppend,
		"BufferedWrite":   caps.BufferedWrite,
	}
	for name, s := range costs {
		if s.Err != nil || s.Requests < 100 || s.SwitchesPerRequest < 0 || s.DoneOnReturn < 0 || s.DoneOnReturn > 1 {
			t.Errorf("%s = %+v; want a measurement of at least 100 requests", name, s)
		}
		if s.Async != (s.SwitchesPerRequest < 0.1) {
			t.Errorf("%s = %v: Async does not follow the threshold of 0.1", name, s)
		}
	}
	if !caps.DirectRead.Async {
		t.Errorf("DirectRead = %v; O_DIRECT reads should not wait inside io_submit", caps.DirectRead)
	}
	if caps.BufferedWrite.DoneOnReturn != 1 {
		t.Errorf("BufferedWrite = %v; every buffered write should be done when io_submit returns", caps.BufferedWrite)
	}
}

// checkTable checks that the table has a line for every capability.
func checkTable(t *testing.T, caps *aio.Capabilities) {
	t.Helper()
	table := caps.String()
	for _, what := range []string{"path", "kernel", "filesystem", "AIO (io_setup)", "io_pgetevents", "IOCB_CMD_POLL",
		"O_DIRECT", "O_DIRECT alignment", "atomic write units", "RWF_NOWAIT", "RWF_APPEND", "RWF_DSYNC", "RWF_NOAPPEND",
		"RWF_ATOMIC", "RWF_DONTCACHE", "io_submit, O_DIRECT reads", "io_submit, O_DIRECT overwrites",
		"io_submit, O_DIRECT appends", "io_submit, buffered writes"} {
		if !slices.ContainsFunc(strings.Split(table, "\n"), func(line string) bool { return strings.HasPrefix(line, what+" ") }) {
			t.Errorf("no line for %s in the table:\n%s", what, table)
		}
	}
	// The second column starts at the same place on every line.
	col := -1
	for line := range strings.Lines(table) {
		i := strings.Index(line, "  ")
		for i >= 0 && i+2 < len(line) && line[i+2] == ' ' {
			i++
		}
		if col >= 0 && i+2 != col {
			t.Errorf("misaligned line %q in the table:\n%s", line, table)
		}
		col = i + 2
	}
}

// pollWorks polls a pipe with a byte in it through c.
func pollWorks(t *testing.T, c *aio.Context, _ string) bool {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if _, err := unix.Write(fds[1], []byte{1}); err != nil {
		t.Fatal(err)
	}
	events, err := c.Poll(t.Context(), fds[0], unix.POLLIN)
	return err == nil && events&unix.POLLIN != 0
}

// noWaitWorks reads an O_DIRECT file with FlagNoWait: the kernel may not
// refuse it with EOPNOTSUPP.
func noWaitWorks(t *testing.T, c *aio.Context, dir string) bool {
	f := openTemp(t, c, dir, 0)
	_, off := f.Alignment()
	block := newBuf(t, max(4096, off))
	if _, err := f.WriteAt(block, 0); err != nil {
		t.Fatal(err)
	}
	_, err := f.ReadAtContext(t.Context(), block, 0, aio.FlagNoWait)
	return !errors.Is(err, syscall.EOPNOTSUPP)
}

// bufferedWith creates a file without O_DIRECT in dir that holds
// "0123456789" and binds it to c, opened with flag.
func bufferedWith(t *testing.T, c *aio.Context, dir string, flag int) (*aio.File, string) {
	name := filepath.Join(dir, "buffered"+time.Now().Format("150405.000000000"))
	if err := os.WriteFile(name, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	return openBound(t, c, name, os.O_RDWR|flag), name
}

func holds(t *testing.T, name, want string) bool {
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(got) == want
}

func appendWorks(t *testing.T, c *aio.Context, dir string) bool {
	f, name := bufferedWith(t, c, dir, 0)
	_, err := f.WriteAtContext(t.Context(), []byte("ab"), 0, aio.FlagAppend)
	return err == nil && holds(t, name, "0123456789ab")
}

func dsyncWorks(t *testing.T, c *aio.Context, dir string) bool {
	f, _ := bufferedWith(t, c, dir, 0)
	_, err := f.WriteAtContext(t.Context(), []byte("ab"), 0, aio.FlagDSync)
	return err == nil
}

func noAppendWorks(t *testing.T, c *aio.Context, dir string) bool {
	f, name := bufferedWith(t, c, dir, os.O_APPEND)
	_, err := f.WriteAtContext(t.Context(), []byte("XY"), 4, aio.FlagNoAppend)
	return err == nil && holds(t, name, "0123XY6789")
}

func dontCacheWorks(t *testing.T, c *aio.Context, dir string) bool {
	f, _ := bufferedWith(t, c, dir, 0)
	_, err := f.WriteAtContext(t.Context(), bytes.Repeat([]byte{'w'}, 4096), 0, aio.FlagDontCache)
	return err == nil
}

// atomicWorks writes the smallest atomic unit with FlagAtomic, where the
// file's storage has atomic write units at all.
func atomicWorks(t *testing.T, c *aio.Context, dir string) bool {
	f := openTemp(t, c, dir, 0)
	min, _ := f.AtomicWriteUnits()
	if min == 0 {
		return false
	}
	_, err := f.WriteAtContext(t.Context(), newBuf(t, min), 0, aio.FlagAtomic)
	return err == nil
}

// TestProbeOfAFile probes through a file, which it must only read: its own
// alignment is reported, and its data, its modification time and its
// directory stay as they were.
func TestProbeOfAFile(t *testing.T) {
	dir := testDir(t)
	name := filepath.Join(dir, "data")
	data := bytes.Repeat([]byte("probe me not"), 1000)
	if err := os.WriteFile(name, data, 0o400); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(name, past, past); err != nil {
		t.Fatal(err)
	}
	caps, err := aio.Probe(name)
	if err != nil {
		t.Fatal(err)
	}
	if caps.AIO != nil || caps.Path != name {
		t.Fatalf("Probe(%s): Path %q, AIO %v", name, caps.Path, caps.AIO)
	}
	c := newContext(t, 1)
	f, err := c.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mem, off := f.Alignment()
	if !caps.DirectIO || caps.DirectMemAlign != mem || caps.DirectOffsetAlign != off {
		t.Errorf("DirectIO %v, alignment %d, %d; File.Alignment of the file says %d, %d", caps.DirectIO, caps.DirectMemAlign, caps.DirectOffsetAlign, mem, off)
	}
	if min, max := f.AtomicWriteUnits(); caps.AtomicWriteMin != min || caps.AtomicWriteMax != max {
		t.Errorf("atomic write units %d, %d; File.AtomicWriteUnits of the file says %d, %d", caps.AtomicWriteMin, caps.AtomicWriteMax, min, max)
	}
	if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, data) {
		t.Errorf("the file changed: %v", err)
	}
	if info, err := os.Stat(name); err != nil || !info.ModTime().Equal(past) {
		t.Errorf("the file's modification time changed: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Probe left files behind: %v", entries)
	}
}

// TestProbeRefusesUnusablePaths gives Probe paths it cannot work in. Each
// error names the path and says what is wrong.
func TestProbeRefusesUnusablePaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		is   error
		want string
	}{
		{filepath.Join(dir, "missing"), fs.ErrNotExist, "no such file or directory"},
		{fifo, syscall.EINVAL, "neither a directory nor a regular file"},
	}
	if os.Geteuid() == 0 {
		ro := t.TempDir()
		if err := unix.Mount("tmpfs", ro, "tmpfs", unix.MS_RDONLY, "size=1m"); err != nil {
			t.Fatalf("mount a read-only tmpfs: %v", err)
		}
		t.Cleanup(func() { unix.Unmount(ro, 0) })
		cases = append(cases, struct {
			path string
			is   error
			want string
		}{ro, syscall.EROFS, "cannot create them there"})
	} else {
		t.Log("not root: no read-only filesystem to try")
	}
	for _, tc := range cases {
		caps, err := aio.Probe(tc.path)
		if caps != nil || !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Probe(%s) = %v, %v; want an error matching %v, naming the path and saying %q", tc.path, caps, err, tc.is, tc.want)
		}
	}
}

// TestProbeOnXFS probes an XFS loop device, which supports atomic writes
// (in software, whatever the device) since Linux 6.16.
func TestProbeOnXFS(t *testing.T) {
	mnt := xfsDir(t)
	caps, err := aio.Probe(mnt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Probe(%s):\n%v", mnt, caps)
	if caps.AIO != nil || caps.Filesystem != "xfs" || !caps.DirectIO {
		t.Fatalf("AIO %v, Filesystem %q, DirectIO %v; want nil, xfs, true", caps.AIO, caps.Filesystem, caps.DirectIO)
	}
	c := newContext(t, 4)
	f := openTemp(t, c, mnt, 0)
	checkAtomicUnits(t, caps, f)
	if want := atomicWorks(t, c, mnt); caps.Atomic != want {
		t.Errorf("Atomic = %v; doing it through a File here says %v", caps.Atomic, want)
	}
	if kernelAtLeast(t, 6, 16) && (!caps.Atomic || caps.AtomicWriteMax == 0) {
		t.Errorf("Atomic %v, AtomicWriteMax %d: XFS writes atomically since Linux 6.16", caps.Atomic, caps.AtomicWriteMax)
	}
	checkSubmitCosts(t, caps)
	checkTable(t, caps)
}

func init() {
	childScenarios["probe-io_setup-EPERM"] = probeWithoutIOSetup
}

// TestProbeWhereIOSetupIsForbidden probes in a process whose seccomp filter
// forbids io_setup, as container profiles may.
func TestProbeWhereIOSetupIsForbidden(t *testing.T) {
	t.Parallel()
	runInChild(t, "probe-io_setup-EPERM")
}

// probeWithoutIOSetup is a child scenario: with io_setup failing with EPERM,
// Probe reports AIO as NewContext would, unsupported, and tries nothing
// else.
func probeWithoutIOSetup(t *testing.T) {
	dir := t.TempDir()
	if err := denySyscalls(syscallDenial{unix.SYS_IO_SETUP, syscall.EPERM}); err != nil {
		t.Fatal(err)
	}
	caps, err := aio.Probe(dir)
	if err != nil {
		t.Fatalf("Probe: %v; want Capabilities that say AIO is forbidden", err)
	}
	t.Logf("Probe(%s):\n%v", dir, caps)
	if !errors.Is(caps.AIO, errors.ErrUnsupported) || !errors.Is(caps.AIO, syscall.EPERM) || !strings.Contains(caps.AIO.Error(), "seccomp") {
		t.Errorf("AIO = %v; want EPERM matching errors.ErrUnsupported, naming seccomp", caps.AIO)
	}
	if caps.Kernel == "" || caps.Filesystem == "" {
		t.Errorf("Kernel %q, Filesystem %q: both are known without AIO", caps.Kernel, caps.Filesystem)
	}
	if caps.DirectIO || caps.Poll || caps.Pgetevents || caps.Append || caps.DirectRead.Requests != 0 {
		t.Errorf("without AIO, the rest is reported: %+v", caps)
	}
	if table := caps.String(); !strings.Contains(table, "no: io_setup: operation not permitted") || strings.Contains(table, "RWF_") {
		t.Errorf("table without AIO:\n%s", table)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("Probe left %v behind", entries)
	}
}
