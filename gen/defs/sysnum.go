//go:build ignore

// Input for cgo -godefs: the target architecture's numbers of the system calls
// that the package makes.

package aio

/*
#include <asm/unistd.h>

// io_pgetevents with a 64-bit struct __kernel_timespec: on 32-bit
// architectures a system call of its own (Linux 5.1+), the only one of the
// io_getevents family left on kernels built without CONFIG_COMPAT_32BIT_TIME;
// on 64-bit ones io_pgetevents itself.
#ifdef __NR_io_pgetevents_time64
#define AIO_NR_io_pgetevents_time64 __NR_io_pgetevents_time64
#else
#define AIO_NR_io_pgetevents_time64 __NR_io_pgetevents
#endif
*/
import "C"

const (
	sysIoSetup            = C.__NR_io_setup
	sysIoDestroy          = C.__NR_io_destroy
	sysIoSubmit           = C.__NR_io_submit
	sysIoCancel           = C.__NR_io_cancel
	sysIoGetevents        = C.__NR_io_getevents
	sysIoPgeteventsTime64 = C.AIO_NR_io_pgetevents_time64
)
