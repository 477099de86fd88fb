package aio

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// FuzzRequest builds reads, writes and syncs from arbitrary offsets, flags
// and buffer shapes: validation must never panic, and every request it
// accepts must be one the kernel accepts too (it may still fail for other
// reasons, such as EFBIG far out in a file, but not with the errors of a
// malformed request). The seeds run with every go test; go test -fuzz
// explores further.
//
// shape describes the buffers, two bytes each: where a buffer starts in a
// pool of aligned memory (in steps of 8 bytes, so often misaligned) and how
// long it is (in steps of 64 bytes, so often not a multiple of the
// alignment). Reads and writes use the first buffer, vectored ones all.
func FuzzRequest(f *testing.F) {
	aligned := []byte{0, 64, 0, 64} // two 4 KiB buffers at the pool's start
	f.Add(uint8(0), int64(0), uint32(0), aligned)
	f.Add(uint8(1), int64(4096), uint32(FlagDSync), aligned)
	f.Add(uint8(2), int64(8192), uint32(0), aligned)
	f.Add(uint8(3), int64(0), uint32(FlagAppend), aligned)
	f.Add(uint8(0), int64(0), uint32(0), []byte{1, 64})             // misaligned address
	f.Add(uint8(1), int64(0), uint32(0), []byte{0, 3})              // misaligned length
	f.Add(uint8(0), int64(100), uint32(0), aligned)                 // misaligned offset
	f.Add(uint8(0), int64(-4096), uint32(0), aligned)               // negative offset
	f.Add(uint8(1), int64(1<<63-4096), uint32(0), aligned)          // past the largest offset
	f.Add(uint8(2), int64(0), uint32(0), []byte{3, 0, 0, 64, 5, 0}) // empty misaligned iovecs
	f.Add(uint8(2), int64(0), uint32(0), []byte{})                  // no buffers
	f.Add(uint8(0), int64(0), uint32(1<<30), aligned)               // unknown flags
	f.Add(uint8(1), int64(0), uint32(FlagNoWait|FlagHighPriority), aligned)
	f.Add(uint8(4), int64(0), uint32(0), []byte{})
	f.Add(uint8(5), int64(7), uint32(0), []byte{})
	f.Add(uint8(3), int64(0), uint32(0), make([]byte, 2*(maxIovecs+1))) // too many iovecs

	c, err := NewContext(8)
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	dir := f.TempDir()
	file, err := c.OpenFile(filepath.Join(dir, "fuzz"), os.O_RDWR|os.O_CREATE, 0o600)
	if errors.Is(err, syscall.EINVAL) {
		f.Skipf("the filesystem of %s does not support O_DIRECT", dir)
	}
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	poolBuf, err := NewBuf(1 << 20)
	if err != nil {
		f.Fatal(err)
	}
	defer poolBuf.Free()
	pool := poolBuf.Bytes()

	cmds := []uint16{iocbCmdPread, iocbCmdPwrite, iocbCmdPreadv, iocbCmdPwritev, iocbCmdFsync, iocbCmdFdsync}
	f.Fuzz(func(t *testing.T, op uint8, off int64, flags uint32, shape []byte) {
		cmd := cmds[int(op)%len(cmds)]
		var bufs [][]byte
		for i := 0; i+1 < len(shape); i += 2 {
			start, length := int(shape[i])*8, int(shape[i+1])*64
			bufs = append(bufs, pool[start:start+length])
		}
		var p []byte
		if len(bufs) > 0 {
			p = bufs[0]
		}
		if cmd != iocbCmdPreadv && cmd != iocbCmdPwritev {
			bufs = nil
		}
		if err := file.validate(cmd, p, bufs, off, Flags(flags)); err != nil {
			return // refused before the kernel: fine, as long as it did not panic
		}
		if err := file.file.Truncate(0); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := file.do(ctx, "fuzz", cmd, p, bufs, off, Flags(flags))
		for _, malformed := range []syscall.Errno{syscall.EINVAL, syscall.EFAULT, syscall.EBADF, syscall.EOVERFLOW} {
			if errors.Is(err, malformed) {
				t.Fatalf("accepted request (cmd %d, offset %d, flags %v, buffers at %#x, %d iovecs) failed with %v",
					cmd, off, Flags(flags), uintptr(unsafe.Pointer(unsafe.SliceData(p))), len(bufs), err)
			}
		}
	})
}
