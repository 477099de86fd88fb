//go:build ignore

// Input for cgo -godefs: the request and completion layouts of Linux AIO as the
// kernel's UAPI headers define them for the target architecture.

package aio

/*
#include <stddef.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <linux/stat.h>
#include <linux/time_types.h>

// The completion ring header that io_setup maps at the context address. It is
// not part of the UAPI headers; fs/aio.c defines it as struct aio_ring, and
// its layout has been stable since the ring was introduced.
struct aio_ring_header {
	unsigned id;
	unsigned nr;
	unsigned head;
	unsigned tail;
	unsigned magic;
	unsigned compat_features;
	unsigned incompat_features;
	unsigned header_length;
};

// The sigset argument of io_pgetevents (struct __aio_sigset in the kernel,
// which does not export it).
struct aio_sigset {
	const void *sigmask;
	size_t sigsetsize;
};
*/
import "C"

type contextID C.aio_context_t

type iocb C.struct_iocb

type ioEvent C.struct_io_event

type ringHeader C.struct_aio_ring_header

type aioSigset C.struct_aio_sigset

// kernelTimespec is struct __kernel_timespec: 64-bit seconds and
// nanoseconds on every architecture, as io_pgetevents_time64 takes them.
type kernelTimespec C.struct___kernel_timespec

const (
	iocbCmdPread   = C.IOCB_CMD_PREAD
	iocbCmdPwrite  = C.IOCB_CMD_PWRITE
	iocbCmdFsync   = C.IOCB_CMD_FSYNC
	iocbCmdFdsync  = C.IOCB_CMD_FDSYNC
	iocbCmdPoll    = C.IOCB_CMD_POLL
	iocbCmdNoop    = C.IOCB_CMD_NOOP
	iocbCmdPreadv  = C.IOCB_CMD_PREADV
	iocbCmdPwritev = C.IOCB_CMD_PWRITEV

	iocbFlagResfd  = C.IOCB_FLAG_RESFD
	iocbFlagIoprio = C.IOCB_FLAG_IOPRIO

	rwfHipri  = C.RWF_HIPRI
	rwfDsync  = C.RWF_DSYNC
	rwfSync   = C.RWF_SYNC
	rwfNowait = C.RWF_NOWAIT
	rwfAppend = C.RWF_APPEND

	rwfNoappend  = C.RWF_NOAPPEND  // Linux 6.9
	rwfAtomic    = C.RWF_ATOMIC    // Linux 6.11
	rwfDontcache = C.RWF_DONTCACHE // Linux 6.14

	statxWriteAtomic = C.STATX_WRITE_ATOMIC // Linux 6.11

	ioprioClassShift = C.IOPRIO_CLASS_SHIFT
	ioprioClassRT    = C.IOPRIO_CLASS_RT
	ioprioClassBE    = C.IOPRIO_CLASS_BE
	ioprioClassIdle  = C.IOPRIO_CLASS_IDLE
	ioprioNrLevels   = C.IOPRIO_NR_LEVELS

	sizeofIocb    = C.sizeof_struct_iocb
	sizeofIoEvent = C.sizeof_struct_io_event
)
