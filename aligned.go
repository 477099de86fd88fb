package aio

import (
	"os"
	"unsafe"
)

// pageSize is the alignment of AlignedBytes: a multiple of what O_DIRECT
// asks of buffer addresses on every device.
var pageSize = os.Getpagesize()

// AlignedBytes returns size bytes of zeroed, page-aligned memory that the
// garbage collector manages: no Free, and nothing to leak. It is the default
// choice for the buffers of direct I/O; Buf is for memory that must be
// locked (mlock) or freed at a known time. The memory does not move (Go's
// garbage collector never moves heap objects), and the package keeps it
// reachable while the kernel uses it. A size of 0 or less gives nil.
func AlignedBytes(size int) []byte {
	if size <= 0 {
		return nil
	}
	return alignedBytes(size, pageSize)
}

// alignedBytes returns size bytes of garbage-collected memory at an address
// that is a multiple of align.
func alignedBytes(size, align int) []byte {
	b := make([]byte, size+align-1)
	skip := 0
	if rem := int(addressOf(b) % uint64(align)); rem != 0 {
		skip = align - rem
	}
	return b[skip : skip+size : skip+size]
}

// addressOf returns the address of b's first byte.
func addressOf(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }
