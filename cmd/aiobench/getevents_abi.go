//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le)

package main

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel AIO ABI as the getevents engine needs it, written from the
// kernel's include/uapi/linux/aio_abi.h for 64-bit little-endian
// architectures. There a pointer is 64 bits wide and aio_key comes before
// aio_rw_flags (the header swaps them on big-endian machines), so one
// layout serves every architecture of the build constraint.

// geteventsAvailable reports whether this architecture has the getevents
// engine.
const geteventsAvailable = true

// Opcodes of iocb.opcode.
const (
	iocbCmdPread  = 0 // IOCB_CMD_PREAD
	iocbCmdPwrite = 1 // IOCB_CMD_PWRITE
)

// rwfDSync is RWF_DSYNC (include/uapi/linux/fs.h), a flag of
// iocb.rwFlags: the write completes only once its data is durable.
const rwfDSync = 0x2

// The build fails if rwfDSync ever disagrees with x/sys.
var _ [0]struct{} = [rwfDSync - unix.RWF_DSYNC]struct{}{}

// An iocb is struct iocb: one request, 64 bytes.
type iocb struct {
	data      uint64 // aio_data: returned in ioEvent.data
	key       uint32 // aio_key: set by the kernel
	rwFlags   uint32 // aio_rw_flags: RWF_*
	opcode    uint16 // aio_lio_opcode: iocbCmd*
	reqprio   int16  // aio_reqprio
	fildes    uint32 // aio_fildes
	buf       uint64 // aio_buf: the buffer's address
	nbytes    uint64 // aio_nbytes
	offset    int64  // aio_offset
	reserved2 uint64 // aio_reserved2
	flags     uint32 // aio_flags: IOCB_FLAG_*
	resfd     uint32 // aio_resfd: eventfd for IOCB_FLAG_RESFD
}

// An ioEvent is struct io_event: one completion, 32 bytes.
type ioEvent struct {
	data uint64 // the iocb's aio_data
	obj  uint64 // the iocb's address
	res  int64  // bytes transferred, or a negated errno
	res2 int64
}

// ioSetup creates an AIO context for up to nr requests in flight.
func ioSetup(nr int) (uint64, error) {
	var id uint64
	_, _, errno := unix.Syscall(unix.SYS_IO_SETUP, uintptr(nr), uintptr(unsafe.Pointer(&id)), 0)
	if errno != 0 {
		return 0, errno
	}
	return id, nil
}

// ioDestroy cancels what it can of the requests in flight, waits for the
// rest and frees the context.
func ioDestroy(id uint64) error {
	_, _, errno := unix.Syscall(unix.SYS_IO_DESTROY, uintptr(id), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// ioSubmit queues the requests that list points to; the kernel copies each
// iocb before it returns but writes its address into the completion. It
// returns how many it accepted: the first n of list.
func ioSubmit(id uint64, list []*iocb) (int, error) {
	n, _, errno := unix.Syscall(unix.SYS_IO_SUBMIT, uintptr(id), uintptr(len(list)), uintptr(unsafe.Pointer(unsafe.SliceData(list))))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// ioGetevents waits in the kernel for at least minNr completions and
// returns up to len(events) of them. It blocks its OS thread, which is the
// point of this engine: no runtime poller, no eventfd.
func ioGetevents(id uint64, minNr int, events []ioEvent) (int, error) {
	n, _, errno := unix.Syscall6(unix.SYS_IO_GETEVENTS, uintptr(id), uintptr(minNr), uintptr(len(events)),
		uintptr(unsafe.Pointer(unsafe.SliceData(events))), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
