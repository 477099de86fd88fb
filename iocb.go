package aio

import (
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Flags are per-request flags: the kernel's RWF_* values, which travel in the
// iocb's aio_rw_flags field. (The iocb's aio_flags field is a different
// thing: it carries only IOCB_FLAG_RESFD and IOCB_FLAG_IOPRIO, and the kernel
// silently ignores unknown bits there, so RWF bits put in it do nothing.)
type Flags uint32

const (
	// FlagHighPriority is RWF_HIPRI. The kernel accepts it for AIO but
	// clears it, since nothing polls for AIO completions; it is kept for
	// symmetry with preadv2/pwritev2.
	FlagHighPriority Flags = rwfHipri

	// FlagDSync is RWF_DSYNC: the write is durable (data and the metadata
	// needed to read it back) when it completes, like O_DSYNC for one
	// request.
	FlagDSync Flags = rwfDsync

	// FlagSync is RWF_SYNC: like FlagDSync, and all metadata is durable too,
	// like O_SYNC for one request.
	FlagSync Flags = rwfSync

	// FlagNoWait is RWF_NOWAIT (Linux 4.14+): the request fails with EAGAIN
	// instead of waiting for something the kernel would have to block on
	// (block allocation, a lock, a full device queue). Retry without the flag
	// after EAGAIN; resubmitting it unchanged may fail again. Some kernels and
	// filesystems have returned spurious errors with it: treat it as a hint.
	FlagNoWait Flags = rwfNowait

	// FlagAppend is RWF_APPEND (Linux 4.16+): the write goes to the end of
	// the file, whatever offset is given, like O_APPEND for one request.
	FlagAppend Flags = rwfAppend

	// FlagNoAppend is RWF_NOAPPEND (Linux 6.9+): on a file opened with
	// O_APPEND, the write goes to the offset given, like pwrite on a file
	// without O_APPEND. The kernel refuses it (EPERM) for an append-only
	// file (chattr +a). It cannot be combined with FlagAppend.
	FlagNoAppend Flags = rwfNoappend

	// FlagAtomic is RWF_ATOMIC (Linux 6.11+): the write is untorn, all of
	// it or none of it reaching the storage, even on a power failure. It
	// needs a File with O_DIRECT on storage that supports it (see
	// File.AtomicWriteUnits), a length that is a power of two within those
	// units, and an offset that is a multiple of the length; the package
	// checks all of that before the kernel sees the request. Reads cannot
	// have it.
	FlagAtomic Flags = rwfAtomic

	// FlagDontCache is RWF_DONTCACHE (Linux 6.14+): buffered I/O whose
	// pages leave the page cache once they are read, or written back, as
	// for a stream that will not be read again soon. It is for Files
	// without O_DIRECT, on filesystems that support it (ext4, xfs, btrfs
	// and others since 6.14 or 6.15); elsewhere the kernel refuses it
	// with EOPNOTSUPP. Buffered AIO runs inside io_submit, so such
	// requests do not overlap.
	FlagDontCache Flags = rwfDontcache
)

const knownFlags = FlagHighPriority | FlagDSync | FlagSync | FlagNoWait | FlagAppend | FlagNoAppend | FlagAtomic | FlagDontCache

var flagNames = []struct {
	flag Flags
	name string
}{
	{FlagHighPriority, "FlagHighPriority"},
	{FlagDSync, "FlagDSync"},
	{FlagSync, "FlagSync"},
	{FlagNoWait, "FlagNoWait"},
	{FlagAppend, "FlagAppend"},
	{FlagNoAppend, "FlagNoAppend"},
	{FlagAtomic, "FlagAtomic"},
	{FlagDontCache, "FlagDontCache"},
}

// String returns the names of the flags that are set, joined by "|".
func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	var names []string
	for _, fn := range flagNames {
		if f&fn.flag != 0 {
			names = append(names, fn.name)
			f &^= fn.flag
		}
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("%#x", uint32(f)))
	}
	return strings.Join(names, "|")
}

// maxIovecs is the kernel's UIO_MAXIOV: the most buffers one vectored request
// may have.
const maxIovecs = 1024

// prepare fills cb for one request on fd. For vectored commands addr is the
// address of an iovec array and length its number of entries; for fsync and
// fdatasync both are zero, as are off and flags (the kernel rejects anything
// else). If resfd is not negative, the kernel signals that eventfd when the
// request completes. The kernel hands data back in the completion so the
// request can be found again.
func (cb *iocb) prepare(cmd uint16, fd int32, addr unsafe.Pointer, length int, off int64, flags Flags, resfd int32, data uint64) {
	*cb = iocb{
		Data:      data,
		RwFlags:   int32(flags),
		LioOpcode: cmd,
		Fildes:    uint32(fd),
		Buf:       uint64(uintptr(addr)),
		Nbytes:    uint64(length),
		Offset:    off,
	}
	if resfd >= 0 {
		cb.Flags = iocbFlagResfd
		cb.Resfd = uint32(resfd)
	}
}

// iovecsFor writes an iovec for each nonempty buffer of bufs into iov
// (reusing its storage) and returns it. Empty buffers transfer nothing, and
// leaving them out keeps kernels before 6.2 or so from refusing an O_DIRECT
// request for where an empty one points.
func iovecsFor(iov []unix.Iovec, bufs [][]byte) []unix.Iovec {
	iov = iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: unsafe.SliceData(b)}
		v.SetLen(len(b))
		iov = append(iov, v)
	}
	return iov
}
