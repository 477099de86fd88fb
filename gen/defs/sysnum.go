//go:build ignore

// Input for cgo -godefs: the target architecture's numbers of the system calls
// that the package makes.

package aio

/*
#include <asm/unistd.h>
*/
import "C"

const (
	sysIoSetup      = C.__NR_io_setup
	sysIoDestroy    = C.__NR_io_destroy
	sysIoSubmit     = C.__NR_io_submit
	sysIoCancel     = C.__NR_io_cancel
	sysIoGetevents  = C.__NR_io_getevents
	sysIoPgetevents = C.__NR_io_pgetevents
)
