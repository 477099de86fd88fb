package aio

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestLayout checks the generated structures against the kernel ABI, which is
// the same on every architecture: a 64-byte iocb (aio_key and aio_rw_flags
// trade places on big-endian machines) and a 32-byte io_event.
func TestLayout(t *testing.T) {
	var cb iocb
	var ev ioEvent
	var hdr ringHeader
	bigEndian := *(*byte)(unsafe.Pointer(&[]uint16{1}[0])) == 0
	keyOffset, rwFlagsOffset := uintptr(8), uintptr(12)
	if bigEndian {
		keyOffset, rwFlagsOffset = 12, 8
	}

	checks := []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof(struct iocb)", unsafe.Sizeof(cb), 64},
		{"iocb.aio_data", unsafe.Offsetof(cb.Data), 0},
		{"iocb.aio_key", unsafe.Offsetof(cb.Key), keyOffset},
		{"iocb.aio_rw_flags", unsafe.Offsetof(cb.RwFlags), rwFlagsOffset},
		{"iocb.aio_lio_opcode", unsafe.Offsetof(cb.LioOpcode), 16},
		{"iocb.aio_reqprio", unsafe.Offsetof(cb.Reqprio), 18},
		{"iocb.aio_fildes", unsafe.Offsetof(cb.Fildes), 20},
		{"iocb.aio_buf", unsafe.Offsetof(cb.Buf), 24},
		{"iocb.aio_nbytes", unsafe.Offsetof(cb.Nbytes), 32},
		{"iocb.aio_offset", unsafe.Offsetof(cb.Offset), 40},
		{"iocb.aio_reserved2", unsafe.Offsetof(cb.Reserved2), 48},
		{"iocb.aio_flags", unsafe.Offsetof(cb.Flags), 56},
		{"iocb.aio_resfd", unsafe.Offsetof(cb.Resfd), 60},
		{"sizeof(struct io_event)", unsafe.Sizeof(ev), 32},
		{"sizeof(struct __kernel_timespec)", unsafe.Sizeof(kernelTimespec{}), 16},
		{"io_event.data", unsafe.Offsetof(ev.Data), 0},
		{"io_event.obj", unsafe.Offsetof(ev.Obj), 8},
		{"io_event.res", unsafe.Offsetof(ev.Res), 16},
		{"io_event.res2", unsafe.Offsetof(ev.Res2), 24},
		{"sizeof(struct aio_ring)", unsafe.Sizeof(hdr), 32},
		{"aio_ring.head", unsafe.Offsetof(hdr.Head), 8},
		{"aio_ring.tail", unsafe.Offsetof(hdr.Tail), 12},
		{"aio_ring.magic", unsafe.Offsetof(hdr.Magic), 16},
		{"aio_ring.incompat_features", unsafe.Offsetof(hdr.IncompatFeatures), 24},
		{"sizeofIocb", sizeofIocb, 64},
		{"sizeofIoEvent", sizeofIoEvent, 32},
		{"sizeof(aio_context_t)", unsafe.Sizeof(contextID(0)), unsafe.Sizeof(uintptr(0))},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}

	// The commands and flags are the kernel's values, and golang.org/x/sys/unix's
	// where it has them (it has no IOPRIO_* values).
	consts := []struct {
		name      string
		got, want int
	}{
		{"IOCB_CMD_PREAD", iocbCmdPread, 0}, {"IOCB_CMD_PWRITE", iocbCmdPwrite, 1},
		{"IOCB_CMD_FSYNC", iocbCmdFsync, 2}, {"IOCB_CMD_FDSYNC", iocbCmdFdsync, 3},
		{"IOCB_CMD_POLL", iocbCmdPoll, 5}, {"IOCB_CMD_NOOP", iocbCmdNoop, 6},
		{"IOCB_CMD_PREADV", iocbCmdPreadv, 7}, {"IOCB_CMD_PWRITEV", iocbCmdPwritev, 8},
		{"IOCB_FLAG_RESFD", iocbFlagResfd, 1}, {"IOCB_FLAG_IOPRIO", iocbFlagIoprio, 2},
		{"RWF_HIPRI", int(FlagHighPriority), 1}, {"RWF_DSYNC", int(FlagDSync), 2},
		{"RWF_SYNC", int(FlagSync), 4}, {"RWF_NOWAIT", int(FlagNoWait), 8},
		{"RWF_APPEND", int(FlagAppend), 0x10},
		{"RWF_NOAPPEND", rwfNoappend, unix.RWF_NOAPPEND}, {"RWF_ATOMIC", rwfAtomic, unix.RWF_ATOMIC},
		{"RWF_DONTCACHE", rwfDontcache, unix.RWF_DONTCACHE},
		{"STATX_WRITE_ATOMIC", statxWriteAtomic, unix.STATX_WRITE_ATOMIC},
		{"IOPRIO_CLASS_SHIFT", ioprioClassShift, 13}, {"IOPRIO_CLASS_RT", ioprioClassRT, 1},
		{"IOPRIO_CLASS_BE", ioprioClassBE, 2}, {"IOPRIO_CLASS_IDLE", ioprioClassIdle, 3},
		{"IOPRIO_NR_LEVELS", ioprioNrLevels, 8},
	}
	for _, c := range consts {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// TestPrepareUsesRWFlags checks that request flags land in aio_rw_flags and
// that aio_flags carries only IOCB_FLAG_RESFD, when an eventfd is asked for:
// the kernel silently ignores RWF bits in aio_flags, where RWF_DSYNC would
// even mean IOCB_FLAG_IOPRIO.
func TestPrepareUsesRWFlags(t *testing.T) {
	var cb iocb
	buf := make([]byte, 512)
	cb.prepare(iocbCmdPwrite, 7, unsafe.Pointer(&buf[0]), len(buf), 4096, FlagDSync|FlagAppend, 9, 42)
	if cb.RwFlags != int32(rwfDsync|rwfAppend) {
		t.Errorf("aio_rw_flags = %#x, want RWF_DSYNC|RWF_APPEND", cb.RwFlags)
	}
	if cb.Flags != iocbFlagResfd || cb.Resfd != 9 {
		t.Errorf("aio_flags = %#x, aio_resfd = %d; want IOCB_FLAG_RESFD only, 9", cb.Flags, cb.Resfd)
	}
	if cb.Fildes != 7 || cb.Data != 42 || cb.Nbytes != 512 || cb.Offset != 4096 ||
		cb.LioOpcode != iocbCmdPwrite || cb.Buf != uint64(uintptr(unsafe.Pointer(&buf[0]))) || cb.Key != 0 || cb.Reserved2 != 0 {
		t.Errorf("iocb fields wrong: %+v", cb)
	}
	cb.prepare(iocbCmdPread, 7, unsafe.Pointer(&buf[0]), len(buf), 0, 0, -1, 42)
	if cb.Flags != 0 || cb.Resfd != 0 {
		t.Errorf("without an eventfd: aio_flags = %#x, aio_resfd = %d; want 0, 0", cb.Flags, cb.Resfd)
	}
}
