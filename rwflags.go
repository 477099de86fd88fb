package aio

import (
	"fmt"
	"math/bits"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// flagSince names the Linux release that introduced each request flag that
// is younger than AIO itself, for the errors of kernels that lack it.
var flagSince = []struct {
	flag    Flags
	name    string // the kernel's name
	release [2]int // major, minor
}{
	{FlagNoWait, "RWF_NOWAIT", [2]int{4, 14}},
	{FlagAppend, "RWF_APPEND", [2]int{4, 16}},
	{FlagNoAppend, "RWF_NOAPPEND", [2]int{6, 9}},
	{FlagAtomic, "RWF_ATOMIC", [2]int{6, 11}},
	{FlagDontCache, "RWF_DONTCACHE", [2]int{6, 14}},
}

// kernelRelease returns the running kernel's release string and its major
// and minor version, or 0, 0 if it cannot be parsed.
var kernelRelease = sync.OnceValues(func() (string, [2]int) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown", [2]int{}
	}
	release := unix.ByteSliceToString(u.Release[:])
	var v [2]int
	if _, err := fmt.Sscanf(release, "%d.%d", &v[0], &v[1]); err != nil {
		return release, [2]int{}
	}
	return release, v
})

// olderThan reports whether the running kernel is known to be older than
// release.
func olderThan(release [2]int) bool {
	_, v := kernelRelease()
	if v == [2]int{} {
		return false
	}
	return v[0] < release[0] || v[0] == release[0] && v[1] < release[1]
}

// missingFlags explains a request with flags that the kernel refused with
// EOPNOTSUPP or EINVAL, if a flag is younger than the running kernel: that
// is then the likely cause. It returns "" otherwise.
func missingFlags(flags Flags) string {
	release, _ := kernelRelease()
	for _, fs := range flagSince {
		if flags&fs.flag != 0 && olderThan(fs.release) {
			return fmt.Sprintf("%s needs Linux %d.%d or later, and this kernel is %s", fs.name, fs.release[0], fs.release[1], release)
		}
	}
	return ""
}

// appends reports whether a write on f with flags goes to the end of the
// file, wherever its offset says.
func (f *File) appends(flags Flags) bool {
	return flags&FlagAppend != 0 || f.append && flags&FlagNoAppend == 0
}

var (
	errAppendAndNoAppend = &argError{"FlagAppend and FlagNoAppend contradict each other: choose one"}
	errAtomicRead        = &argError{"FlagAtomic is for writes; the kernel refuses it for reads"}
	errAtomicBuffered    = &argError{"FlagAtomic needs a File with O_DIRECT (Context.OpenFile): the kernel writes atomically only with direct I/O"}
	errDontCacheDirect   = &argError{"FlagDontCache is for Files without O_DIRECT: direct I/O does not go through the page cache in the first place"}
)

// checkFlags checks the request flags of a read or write of length bytes at
// off (segments nonempty buffers) against what f and the kernel support.
func (f *File) checkFlags(read bool, length int, segments int, off int64, flags Flags) error {
	if flags&(FlagAppend|FlagNoAppend) == FlagAppend|FlagNoAppend {
		return errAppendAndNoAppend
	}
	if flags&FlagDontCache != 0 && f.direct {
		return errDontCacheDirect
	}
	if flags&FlagAtomic == 0 {
		return nil
	}
	switch {
	case read:
		return errAtomicRead
	case !f.direct:
		return errAtomicBuffered
	}
	a := f.atomic
	if a.max == 0 {
		return f.noAtomicWrites()
	}
	if bits.OnesCount(uint(length)) != 1 || length < int(a.min) || length > int(a.max) {
		return &argError{fmt.Sprintf("FlagAtomic: length %d is not a power of two from %d to %d bytes, the atomic write units of this file's storage (File.AtomicWriteUnits)", length, a.min, a.max)}
	}
	if !f.appends(flags) && off%int64(length) != 0 {
		return &argError{fmt.Sprintf("FlagAtomic: offset %d is not a multiple of the length %d, as an atomic write requires", off, length)}
	}
	if segments > int(a.segments) {
		return &argError{fmt.Sprintf("FlagAtomic: %d buffers, and this file's storage writes at most %d atomically in one request", segments, a.segments)}
	}
	return nil
}

// noAtomicWrites is the error of FlagAtomic on a file whose storage reports
// no atomic write units.
func (f *File) noAtomicWrites() error {
	hint := missingFlags(FlagAtomic)
	if hint == "" {
		hint = "this file's storage reports no atomic write units (statx STATX_WRITE_ATOMIC): its filesystem or device cannot write atomically. XFS can since Linux 6.16 (in software, whatever the device); ext4 needs a device that can, and a block size that fits"
	}
	return &hintError{errno: syscall.EOPNOTSUPP, hint: hint, unsupported: true}
}

// atomicUnits is what statx reports of a file's atomic writes (Linux
// 6.11+): lengths from min to max bytes, in at most segments buffers. All
// are 0 where atomic writes are not supported.
type atomicUnits struct {
	min, max, segments uint32
}

// atomicWriteUnits asks statx what fd's storage supports for FlagAtomic.
func atomicWriteUnits(fd int) atomicUnits {
	var st unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, statxWriteAtomic, &st); err != nil || st.Mask&statxWriteAtomic == 0 {
		return atomicUnits{}
	}
	if st.Atomic_write_unit_max == 0 || st.Atomic_write_segments_max == 0 {
		return atomicUnits{}
	}
	return atomicUnits{min: st.Atomic_write_unit_min, max: st.Atomic_write_unit_max, segments: st.Atomic_write_segments_max}
}

// AtomicWriteUnits returns the lengths that FlagAtomic writes on f may have,
// as the file's storage reports them (statx STATX_WRITE_ATOMIC, Linux
// 6.11+): powers of two from min to max bytes. Both are 0 when the kernel,
// the filesystem or the device supports no atomic writes. The units are
// those of direct I/O, which FlagAtomic needs.
func (f *File) AtomicWriteUnits() (min, max int) {
	return int(f.atomic.min), int(f.atomic.max)
}
