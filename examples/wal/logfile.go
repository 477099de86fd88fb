package wal

import (
	"context"
	"os"
	"runtime"

	"github.com/linuxaio/aio"
	"golang.org/x/sys/unix"
)

// A logFile is the file of a log as one kind of log opens it: storage, and
// what making, locking and recovering a log need of the file besides.
type logFile interface {
	storage
	// control calls fn with the file's descriptor, which stays open while
	// fn runs and keeps its mode (blocking or not).
	control(fn func(fd int) error) error
	// stat returns what fstat(2) says of the file.
	stat() (os.FileInfo, error)
	// alignment returns the alignment that the file's I/O needs of offsets
	// and lengths: the O_DIRECT alignment, 1 without O_DIRECT.
	alignment() int
	// newBlock returns zeroed memory, suitably aligned, for n bytes of I/O
	// on the file.
	newBlock(n int) []byte
	Close() error
}

// An opener opens a file for one kind of log, as os.OpenFile does.
type opener[F logFile] func(name string, flag int, perm os.FileMode) (F, error)

// aioStorage is a Log's file: an aio.File, opened with O_DIRECT.
type aioStorage struct{ f *aio.File }

func (s aioStorage) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

func (s aioStorage) writeAt(ctx context.Context, p []byte, off int64) error {
	_, err := s.f.WriteAtContext(ctx, p, off, 0)
	return err
}

func (s aioStorage) datasync(ctx context.Context) error { return s.f.DatasyncContext(ctx) }

func (s aioStorage) control(fn func(fd int) error) error {
	// Fd, unlike os.File.Fd, leaves the descriptor's mode alone; it is
	// valid until the File is closed, which only its owner does.
	fd := s.f.Fd()
	if fd == ^uintptr(0) {
		return &os.PathError{Op: "fd", Path: s.f.Name(), Err: os.ErrClosed}
	}
	err := fn(int(fd))
	runtime.KeepAlive(s.f)
	return err
}

func (s aioStorage) stat() (os.FileInfo, error) { return s.f.Stat() }

func (s aioStorage) alignment() int {
	_, off := s.f.Alignment()
	return off
}

func (s aioStorage) newBlock(n int) []byte { return aio.AlignedBytes(n) }

func (s aioStorage) Close() error { return s.f.Close() }

// osStorage is a GroupCommitLog's file, written through the page cache.
type osStorage struct{ f *os.File }

func (s osStorage) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

func (s osStorage) writeAt(_ context.Context, p []byte, off int64) error {
	_, err := s.f.WriteAt(p, off)
	return err
}

func (s osStorage) datasync(context.Context) error { return fdatasync(s.f) }

func (s osStorage) control(fn func(fd int) error) error {
	// SyscallConn, not Fd: Fd would switch the descriptor to blocking
	// mode.
	rc, err := s.f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

func (s osStorage) stat() (os.FileInfo, error) { return s.f.Stat() }

func (s osStorage) alignment() int { return 1 }

func (s osStorage) newBlock(n int) []byte { return make([]byte, n) }

func (s osStorage) Close() error { return s.f.Close() }

func fdatasync(f *os.File) error {
	return osStorage{f}.control(func(fd int) error {
		for {
			err := unix.Fdatasync(fd)
			if err == nil {
				return nil
			}
			if err != unix.EINTR {
				return os.NewSyscallError("fdatasync", err)
			}
		}
	})
}
