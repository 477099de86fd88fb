package main

import (
	"context"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// node is a file or directory of the backing directory. It is go-fuse's
// loopback node, except that the files it opens answer with the disk's
// latency.
type node struct {
	*fs.LoopbackNode
	lat latency
}

var (
	_ fs.NodeOpener      = (*node)(nil)
	_ fs.NodeCreater     = (*node)(nil)
	_ fs.NodeTmpfiler    = (*node)(nil)
	_ fs.NodeWrapChilder = (*node)(nil)
)

func newRoot(backing string, lat latency) (*node, error) {
	root, err := fs.NewLoopbackRoot(backing)
	if err != nil {
		return nil, err
	}
	return &node{LoopbackNode: root.(*fs.LoopbackNode), lat: lat}, nil
}

// WrapChild makes every node below a node one of the disk's.
func (n *node) WrapChild(_ context.Context, child fs.InodeEmbedder) fs.InodeEmbedder {
	return &node{LoopbackNode: child.(*fs.LoopbackNode), lat: n.lat}
}

// backingFlags are the open flags for the backing file of a file opened
// with flags: O_DIRECT is the client's business, decided by the kernel's
// FUSE client; the disk's own data stays in the host's page cache.
func backingFlags(flags uint32) uint32 {
	return flags &^ syscall.O_DIRECT
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fuseFlags, errno := n.LoopbackNode.Open(ctx, backingFlags(flags))
	if errno != 0 {
		return nil, 0, errno
	}
	return n.slow(fh), fuseFlags, 0
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	inode, fh, fuseFlags, errno := n.LoopbackNode.Create(ctx, name, backingFlags(flags), mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	return inode, n.slow(fh), fuseFlags, 0
}

func (n *node) Tmpfile(ctx context.Context, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	inode, fh, fuseFlags, errno := n.LoopbackNode.Tmpfile(ctx, backingFlags(flags), mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	return inode, n.slow(fh), fuseFlags, 0
}

// slow wraps a file the loopback opened. Copies between files
// (copy_file_range) then fail in the loopback with ENOTSUP, and the kernel
// copies with reads and writes, which take the latency.
func (n *node) slow(fh fs.FileHandle) *file {
	lf := fh.(*fs.LoopbackFile)
	fd, _ := lf.PassthroughFd()
	return &file{LoopbackFile: lf, fd: fd, lat: n.lat}
}

// file is an open file of the disk. Its reads, writes and flushes take the
// disk's latency; everything else is go-fuse's loopback file. The methods
// below replace every one of the loopback's that moves data, so that none
// bypasses the latency.
type file struct {
	*fs.LoopbackFile
	fd  int // the backing file's descriptor, owned by LoopbackFile
	lat latency
}

var (
	_ fs.FileReader   = (*file)(nil)
	_ fs.FileWriter   = (*file)(nil)
	_ fs.FileFsyncer  = (*file)(nil)
	_ fs.FileFlusher  = (*file)(nil)
	_ fs.FileReleaser = (*file)(nil)
)

// Read copies the data with pread, not by splicing the backing file (the
// loopback's way), which costs more system calls for small reads.
func (f *file) Read(_ context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	start := time.Now()
	n, err := unix.Pread(f.fd, dest, off)
	f.lat.wait(start)
	if err != nil {
		return nil, fs.ToErrno(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

func (f *file) Write(_ context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	start := time.Now()
	n, err := unix.Pwrite(f.fd, data, off)
	f.lat.wait(start)
	if err != nil {
		return 0, fs.ToErrno(err)
	}
	return uint32(n), 0
}

// Writev is the write of a request the kernel sent in pieces.
func (f *file) Writev(_ context.Context, data [][]byte, off int64) (uint32, syscall.Errno) {
	start := time.Now()
	n, err := unix.Pwritev(f.fd, data, off)
	f.lat.wait(start)
	if err != nil {
		return 0, fs.ToErrno(err)
	}
	return uint32(n), 0
}

// Fsync is a round trip: the data is already where the disk keeps it.
func (f *file) Fsync(context.Context, uint32) syscall.Errno {
	f.lat.wait(time.Now())
	return 0
}

// PassthroughFd reports that the kernel must not read the backing file
// itself, which would skip the latency.
func (f *file) PassthroughFd() (int, bool) { return -1, false }
