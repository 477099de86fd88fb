package aio

import (
	"sync/atomic"
	"unsafe"
)

// ringMagic is AIO_RING_MAGIC from fs/aio.c: the ring header starts with it
// when the ring has the layout this package knows.
const ringMagic = 0xa10a10a1

// A ring is the completion ring that io_setup maps into the process at the
// context's address: a header, then nr io_events. The kernel appends events
// and advances tail; user space consumes them and advances head. Reading it
// takes no system call.
type ring struct {
	header *ringHeader
	events unsafe.Pointer // &io_events[0]
	nr     uint32
}

// mapRing returns the ring at the context's address, or nil if its header is
// not one this package knows how to read (then io_getevents is used).
func mapRing(id contextID) *ring {
	addr := uintptr(id)
	// The context ID is the ring's address. The ring is kernel-mapped memory
	// outside the Go heap, so a Go pointer to it is fine for the garbage
	// collector; converting through *unsafe.Pointer avoids making a pointer
	// from an integer expression.
	base := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	if base == nil {
		return nil
	}
	h := (*ringHeader)(base)
	if atomic.LoadUint32(&h.Magic) != ringMagic || h.IncompatFeatures != 0 ||
		h.HeaderLength != uint32(unsafe.Sizeof(ringHeader{})) || h.Nr == 0 {
		return nil
	}
	return &ring{
		header: h,
		events: unsafe.Add(base, unsafe.Sizeof(ringHeader{})),
		nr:     h.Nr,
	}
}

// read copies up to len(events) completions out of the ring and returns how
// many. The load of tail (acquire) orders the reads of the events after it;
// the store of head (release) publishes that their slots may be reused only
// after they have been copied. Go's atomics are sequentially consistent,
// which is at least that strong on every architecture.
func (r *ring) read(events []ioEvent) int {
	head := atomic.LoadUint32(&r.header.Head)
	tail := atomic.LoadUint32(&r.header.Tail)
	if head >= r.nr || tail >= r.nr {
		return 0 // the kernel keeps both below nr; anything else is not ours to touch
	}
	n := 0
	for head != tail && n < len(events) {
		events[n] = *(*ioEvent)(unsafe.Add(r.events, uintptr(head)*unsafe.Sizeof(ioEvent{})))
		n++
		if head++; head == r.nr {
			head = 0
		}
	}
	if n > 0 {
		atomic.StoreUint32(&r.header.Head, head)
	}
	return n
}
