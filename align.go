package aio

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// alignment is what O_DIRECT requires of a file's I/O: buffer addresses a
// multiple of mem, offsets and lengths a multiple of offset.
type alignment struct {
	mem    uint32
	offset uint32
}

// defaultAlignment is assumed when neither statx nor the block device says:
// 512 bytes, the logical block size of nearly every disk.
var defaultAlignment = alignment{mem: 512, offset: 512}

// directIOAlignment finds the alignment O_DIRECT requires for fd: from statx
// STATX_DIOALIGN (Linux 6.1+, where the filesystem reports it), else from the
// block device's logical block size (BLKSSZGET), else the 512-byte default.
func directIOAlignment(fd int) alignment {
	var st unix.Statx_t
	err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_TYPE|unix.STATX_DIOALIGN, &st)
	if err == nil && st.Mask&unix.STATX_DIOALIGN != 0 && st.Dio_offset_align != 0 && st.Dio_mem_align != 0 {
		return alignment{mem: st.Dio_mem_align, offset: st.Dio_offset_align}
	}
	if err == nil && st.Mode&unix.S_IFMT == unix.S_IFBLK {
		if size, err := logicalBlockSize(fd); err == nil && size > 0 {
			return alignment{mem: 512, offset: size}
		}
	}
	return defaultAlignment
}

// logicalBlockSize returns the logical block size of the block device fd.
// BLKSSZGET stores a C int: reading it into a Go int, as unix.IoctlGetInt
// does, shifts it 32 bits on 64-bit big-endian machines.
func logicalBlockSize(fd int) (uint32, error) {
	return unix.IoctlGetUint32(fd, unix.BLKSSZGET)
}

// check reports the first misalignment of an I/O at off with buffer b. With
// checkOffset false (appending writes, whose position the kernel picks) the
// offset is not checked.
func (a alignment) check(b []byte, off int64, checkOffset bool) error {
	if checkOffset && uint64(off)%uint64(a.offset) != 0 {
		return &alignmentError{what: "offset", value: uint64(off), align: a.offset}
	}
	return a.checkBuffer(b)
}

func (a alignment) checkBuffer(b []byte) error {
	if addr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))); addr%uint64(a.mem) != 0 {
		return &alignmentError{what: "buffer address", value: addr, align: a.mem}
	}
	if uint64(len(b))%uint64(a.offset) != 0 {
		return &alignmentError{what: "length", value: uint64(len(b)), align: a.offset}
	}
	return nil
}

// checkPlace reports the first misalignment of a write of n bytes at off,
// whatever its memory: the place and size that no copy can make right.
func (a alignment) checkPlace(n int, off int64, checkOffset bool) error {
	if checkOffset && uint64(off)%uint64(a.offset) != 0 {
		return &alignmentError{what: "offset", value: uint64(off), align: a.offset, write: true}
	}
	if uint64(n)%uint64(a.offset) != 0 {
		return &alignmentError{what: "length", value: uint64(n), align: a.offset, write: true}
	}
	return nil
}

// continuable reports whether a direct transfer that moved n bytes can go on
// from there: the kernel ends a direct read off the alignment only at the end
// of the file. Buffered transfers can always go on.
func (a alignment) continuable(n int, direct bool) bool {
	return !direct || (uint64(n)%uint64(a.offset) == 0 && uint64(n)%uint64(a.mem) == 0)
}
