package aio_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/linuxaio/aio"
)

// A syscallDenial makes system call nr fail with errno.
type syscallDenial struct {
	nr    uintptr
	errno syscall.Errno
}

// auditArch is the AUDIT_ARCH_* value that the kernel puts in seccomp_data
// for system calls made through the native ABI of each GOARCH. A filter must
// check it: system call numbers mean different calls in different ABIs (on
// amd64, int 0x80 enters the i386 table).
var auditArch = map[string]uint32{
	"amd64":   unix.AUDIT_ARCH_X86_64,
	"arm64":   unix.AUDIT_ARCH_AARCH64,
	"386":     unix.AUDIT_ARCH_I386,
	"arm":     unix.AUDIT_ARCH_ARM,
	"ppc64le": unix.AUDIT_ARCH_PPC64LE,
	"riscv64": unix.AUDIT_ARCH_RISCV64,
	"s390x":   unix.AUDIT_ARCH_S390X,
}

// Offsets in struct seccomp_data { int nr; __u32 arch; __u64
// instruction_pointer; __u64 args[6]; }, which a seccomp filter reads as its
// packet. Both fields are 32 bits in the host's byte order.
const (
	seccompDataNr   = 0
	seccompDataArch = 4
)

// seccompFilter returns a classic BPF program for seccomp that makes the
// denied system calls of the native ABI fail with their errno and allows
// everything else.
func seccompFilter(arch uint32, deny []syscallDenial) []unix.SockFilter {
	stmt := func(code uint16, k uint32) unix.SockFilter {
		return unix.SockFilter{Code: code, K: k}
	}
	// jeq compares the accumulator with k and skips jt instructions if
	// equal, jf if not.
	jeq := func(k uint32, jt, jf uint8) unix.SockFilter {
		return unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: k, Jt: jt, Jf: jf}
	}
	allow := stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW)
	prog := []unix.SockFilter{
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompDataArch),
		jeq(arch, 1, 0),
		allow, // another ABI: not ours to judge
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompDataNr),
	}
	for _, d := range deny {
		prog = append(prog,
			jeq(uint32(d.nr), 0, 1),
			stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ERRNO|uint32(d.errno)&unix.SECCOMP_RET_DATA))
	}
	return append(prog, allow)
}

// denySyscalls installs a seccomp filter on every thread of the process that
// makes the denied system calls fail with their errno. It cannot be undone,
// so only a child process (runInChild) may call it. Threads created later
// inherit the filter.
func denySyscalls(deny ...syscallDenial) error {
	arch, ok := auditArch[runtime.GOARCH]
	if !ok {
		return fmt.Errorf("no AUDIT_ARCH value known for GOARCH %s", runtime.GOARCH)
	}
	prog := seccompFilter(arch, deny)

	// no_new_privs is a flag of the calling thread, and seccomp checks the
	// calling thread's flag (unless it has CAP_SYS_ADMIN), so both calls
	// must run on one thread. TSYNC then gives every other thread of the
	// process the filter, and the flag with it; without TSYNC only this
	// thread would be filtered, and the Go runtime runs goroutines, and so
	// system calls, on any of its threads.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if errno != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): %w", errno)
	}
	// With TSYNC, a positive result is the ID of a thread that could not
	// take the filter (it had diverged from this one's), and no thread got
	// it.
	if r != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread %d could not be synchronised", r)
	}
	return nil
}

func init() {
	childScenarios["io_setup-ENOSYS"] = forbiddenSetup(syscall.ENOSYS, "CONFIG_AIO")
	childScenarios["io_setup-EPERM"] = forbiddenSetup(syscall.EPERM, "seccomp")
	childScenarios["no-io_getevents"] = reapWithoutGetevents
}

// TestNewContextWhereIOSetupIsForbidden checks NewContext in processes where
// io_setup fails as it does on a kernel built without CONFIG_AIO (ENOSYS) and
// under a seccomp profile that forbids it (EPERM).
func TestNewContextWhereIOSetupIsForbidden(t *testing.T) {
	t.Parallel()
	for _, scenario := range []string{"io_setup-ENOSYS", "io_setup-EPERM"} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			runInChild(t, scenario)
		})
	}
}

// forbiddenSetup returns a child scenario: with io_setup failing with errno,
// NewContext must return an error that matches errors.ErrUnsupported and
// errno and whose message mentions the likely cause.
func forbiddenSetup(errno syscall.Errno, mention string) func(t *testing.T) {
	return func(t *testing.T) {
		if err := denySyscalls(syscallDenial{unix.SYS_IO_SETUP, errno}); err != nil {
			t.Fatal(err)
		}
		for _, mode := range reapingModes {
			c, err := aio.NewContext(4, mode.opts...)
			if err == nil {
				c.Close()
				t.Fatalf("%s: NewContext succeeded although io_setup fails with %v", mode.name, errno)
			}
			t.Logf("%s: NewContext: %v", mode.name, err)
			if !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("%s: errors.Is(err, errors.ErrUnsupported) = false", mode.name)
			}
			if !errors.Is(err, errno) {
				t.Errorf("%s: errors.Is(err, %v) = false", mode.name, errno)
			}
			if msg := err.Error(); !strings.Contains(msg, "io_setup") || !strings.Contains(msg, mention) {
				t.Errorf("%s: message %q does not name io_setup and %s", mode.name, msg, mention)
			}
		}
	}
}

// TestSyscallReapingWithoutIOGetevents checks that a Context that reaps with
// system calls (WithSyscallReaping) still completes I/O in a process where
// io_getevents fails with ENOSYS, as it does on 32-bit kernels built without
// CONFIG_COMPAT_32BIT_TIME, and that one reaping from the ring does too.
func TestSyscallReapingWithoutIOGetevents(t *testing.T) {
	t.Parallel()
	runInChild(t, "no-io_getevents", childDirEnv+"="+testDir(t))
}

// time32Getevents are the system calls that a kernel without
// CONFIG_COMPAT_32BIT_TIME lacks. On 32-bit architectures io_getevents and
// io_pgetevents take a 32-bit struct timespec (the kernel calls them
// io_getevents_time32 and io_pgetevents_time32), and only
// io_pgetevents_time64 remains. On 64-bit ones every call takes a 64-bit
// timespec and none is missing; io_getevents is denied there all the same,
// so that the fallback runs on the host too.
func time32Getevents() []syscallDenial {
	deny := []syscallDenial{{unix.SYS_IO_GETEVENTS, syscall.ENOSYS}}
	if strconv.IntSize == 32 {
		deny = append(deny, syscallDenial{unix.SYS_IO_PGETEVENTS, syscall.ENOSYS})
	}
	return deny
}

// reapWithoutGetevents is a child scenario: with the time32 calls gone, a
// Context writes a file and reads it back, with the File calls and with a
// batch, in both reaping modes. Reaping from the ring needs no system call;
// syscall reaping must find one that is there.
func reapWithoutGetevents(t *testing.T) {
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		t.Fatalf("%s is not set", childDirEnv)
	}
	if err := denySyscalls(time32Getevents()...); err != nil {
		t.Fatal(err)
	}
	// The filter, not the kernel, must answer: io_getevents and
	// io_pgetevents on context 0 fail with EINVAL where they exist.
	for _, d := range time32Getevents() {
		if _, _, errno := unix.Syscall6(d.nr, 0, 0, 0, 0, 0, 0); errno != d.errno {
			t.Fatalf("system call %d after the filter: %v; want %v", d.nr, errno, d.errno)
		}
	}
	for _, mode := range reapingModes {
		t.Run(mode.name, func(t *testing.T) { writeAndReadBack(t, dir, mode.opts...) })
	}
}

// writeAndReadBack writes blocks to a new file in dir through a Context
// with opts and reads them back, with ReadAt and with a batch.
func writeAndReadBack(t *testing.T, dir string, opts ...aio.Option) {
	c := newContext(t, 4, opts...)
	f := openTemp(t, c, dir, 0)
	_, offAlign := f.Alignment()
	block := max(4096, offAlign)
	const blocks = 4
	out := pattern(newBuf(t, blocks*block), 1)
	if n, err := f.WriteAt(out, 0); err != nil || n != len(out) {
		t.Fatalf("WriteAt = %d, %v; want %d, nil", n, err, len(out))
	}
	in := newBuf(t, blocks*block)
	if n, err := f.ReadAt(in, 0); err != nil || n != len(in) {
		t.Fatalf("ReadAt = %d, %v; want %d, nil", n, err, len(in))
	}
	requireEqual(t, in, out, "ReadAt")

	clear(in)
	reqs := make([]*aio.Request, blocks)
	for i := range reqs {
		reqs[i] = &aio.Request{File: f, Op: aio.OpRead, Buf: in[i*block : (i+1)*block], Offset: int64(i * block), Tag: uint64(i)}
	}
	if n, err := c.Submit(reqs...); err != nil || n != blocks {
		t.Fatalf("Submit = %d, %v; want %d, nil", n, err, blocks)
	}
	done := make([]*aio.Request, blocks)
	for got := 0; got < blocks; {
		n, err := c.Wait(t.Context(), done[got:], 1)
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		got += n
	}
	for _, r := range done {
		if r.Err != nil || r.N != block {
			t.Errorf("batch read %d = %d, %v; want %d, nil", r.Tag, r.N, r.Err, block)
		}
	}
	requireEqual(t, in, out, "batch reads")
}
