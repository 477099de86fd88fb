package aio

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Large buffers are mapped on transparent huge pages where the kernel has
// them. A direct I/O is handed to the device as a list of physically
// contiguous segments, and a device takes a limited number per request
// (queue/max_segments in sysfs: 254 on virtio-blk, 33 to 128 on many NVMe
// and SCSI devices). Memory of 4 KiB pages that the kernel happened to
// place apart needs a segment per page, so a 1 MiB I/O from it is split
// into two requests there, and adjacent I/Os can no longer be merged into
// larger ones; from a 2 MiB huge page it is one segment. On the virtio disk
// of the machine the figures of docs/performance.md come from, 1 MiB sequential reads
// from huge pages went several times as fast as from small ones, at a
// quarter of the CPU per I/O.

// hugePageSize returns the size of a transparent huge page, or 0 where the
// kernel has none or they are disabled ("never").
var hugePageSize = sync.OnceValue(func() int {
	enabled, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(enabled), "[never]") {
		return 0
	}
	size, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(size)))
	if err != nil || n <= os.Getpagesize() || n&(n-1) != 0 {
		return 0
	}
	return n
})

// mapAnonymous maps size bytes, a multiple of the page size, of zeroed
// anonymous memory; unmapAnonymous unmaps it. When size is at least a huge
// page, the mapping is rounded up to whole huge pages, aligned to one, and
// marked for them (MADV_HUGEPAGE), so that the kernel backs it with huge
// pages when it faults the memory in, as far as it can find them; it falls
// back to small pages silently. The slice's capacity is the mapping's
// length.
//
// The mappings are made with MmapPtr rather than unix.Mmap, whose
// bookkeeping knows only whole mappings and refuses the partial unmap that
// aligning needs.
func mapAnonymous(size int) ([]byte, error) {
	const prot, flags = unix.PROT_READ | unix.PROT_WRITE, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS
	huge := hugePageSize()
	if huge == 0 || size < huge || size > maxInt-2*huge {
		p, err := unix.MmapPtr(-1, 0, nil, uintptr(size), prot, flags)
		if err != nil {
			return nil, err
		}
		return unsafe.Slice((*byte)(p), size), nil
	}
	size = (size + huge - 1) &^ (huge - 1)
	// Map a huge page more than needed and unmap what lies outside the
	// aligned range, so that the mapping left is exactly that range.
	raw, err := unix.MmapPtr(-1, 0, nil, uintptr(size+huge), prot, flags)
	if err != nil {
		return nil, err
	}
	head := 0
	if rem := int(uintptr(raw) % uintptr(huge)); rem != 0 {
		head = huge - rem
	}
	start := unsafe.Add(raw, head)
	if head > 0 {
		if err := unix.MunmapPtr(raw, uintptr(head)); err != nil {
			unix.MunmapPtr(raw, uintptr(size+huge))
			return nil, err
		}
	}
	if tail := huge - head; tail > 0 {
		if err := unix.MunmapPtr(unsafe.Add(start, size), uintptr(tail)); err != nil {
			unix.MunmapPtr(start, uintptr(size+tail))
			return nil, err
		}
	}
	mem := unsafe.Slice((*byte)(start), size)
	// EINVAL here means only that this kernel takes no advice for huge
	// pages; the memory works as it is.
	_ = unix.Madvise(mem, unix.MADV_HUGEPAGE)
	return mem, nil
}

// unmapAnonymous unmaps memory from mapAnonymous.
func unmapAnonymous(mem []byte) error {
	return unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(mem)), uintptr(cap(mem)))
}

const maxInt = int(^uint(0) >> 1)
