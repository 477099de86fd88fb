package aio

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// The system calls of Linux AIO. go run ./gen turns each prototype into a stub
// in zsyscall_linux_<arch>.go, with that architecture's system call number.
//
// io_submit and io_getevents with a timeout can block (io_submit does the I/O
// itself on filesystems without real AIO support; io_destroy waits for
// requests in flight), so they go through unix.Syscall and the scheduler may
// run other goroutines meanwhile. The //sysnb variants are for calls that
// cannot block: io_getevents and io_pgetevents with a zero timeout.
//
// The kernel's argument order is kept: io_submit takes the count before the
// array of iocb pointers.

//sys	ioSetup(nrEvents uint32, ctxp *contextID) (err error) = sysIoSetup
//sys	ioDestroy(ctx contextID) (err error) = sysIoDestroy
//sys	ioSubmit(ctx contextID, nr int, iocbpp **iocb) (n int, err error) = sysIoSubmit
//sys	ioCancel(ctx contextID, cb *iocb, result *ioEvent) (err error) = sysIoCancel
//sys	ioGetevents(ctx contextID, minNr int, nr int, events *ioEvent, timeout *unix.Timespec) (n int, err error) = sysIoGetevents
//sysnb	ioGeteventsNow(ctx contextID, minNr int, nr int, events *ioEvent, timeout *unix.Timespec) (n int, err error) = sysIoGetevents
//sys	ioPgetevents(ctx contextID, minNr int, nr int, events *ioEvent, timeout *kernelTimespec, sigset *aioSigset) (n int, err error) = sysIoPgeteventsTime64
//sysnb	ioPgeteventsNow(ctx contextID, minNr int, nr int, events *ioEvent, timeout *kernelTimespec, sigset *aioSigset) (n int, err error) = sysIoPgeteventsTime64

// The generated system call numbers must agree with golang.org/x/sys/unix: a
// nonzero difference is a nonzero array length, which does not compile.
// (sysIoPgeteventsTime64 has no single counterpart there: it is
// SYS_IO_PGETEVENTS on 64-bit architectures and SYS_IO_PGETEVENTS_TIME64 on
// 32-bit ones.)
var (
	_ [0]struct{} = [sysIoSetup - unix.SYS_IO_SETUP]struct{}{}
	_ [0]struct{} = [sysIoDestroy - unix.SYS_IO_DESTROY]struct{}{}
	_ [0]struct{} = [sysIoSubmit - unix.SYS_IO_SUBMIT]struct{}{}
	_ [0]struct{} = [sysIoCancel - unix.SYS_IO_CANCEL]struct{}{}
	_ [0]struct{} = [sysIoGetevents - unix.SYS_IO_GETEVENTS]struct{}{}
)

// Preallocated errors for the values that come back on hot paths, so that
// returning them does not allocate.
var (
	errEAGAIN error = syscall.EAGAIN
	errEINVAL error = syscall.EINVAL
	errEINTR  error = syscall.EINTR
)

func errnoErr(e syscall.Errno) error {
	switch e {
	case 0:
		return nil
	case unix.EAGAIN:
		return errEAGAIN
	case unix.EINVAL:
		return errEINVAL
	case unix.EINTR:
		return errEINTR
	}
	return e
}
