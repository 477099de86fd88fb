package aio_test

import (
	"runtime"
	"unsafe"
)

func uintptrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
