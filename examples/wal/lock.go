package wal

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// A log has one writer: two that append to the same file would each go on
// from the end they recovered, and each overwrite what the other
// acknowledged. So a log holds an exclusive flock(2) on its file from Open
// to Close. A flock belongs to the open file description, not to the
// process (as fcntl's record locks do), so a second Open in the same
// process is refused as one in another process is; and it is released when
// the last descriptor of that description is closed, also when the process
// dies.

// lock takes the lock of the log at path, whose file is f, without
// waiting: it fails with ErrLocked if another log holds it.
func lock(path string, f logFile) error {
	err := f.control(func(fd int) error {
		for {
			err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
			if err != unix.EINTR {
				return err
			}
		}
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EWOULDBLOCK):
		return fmt.Errorf("wal: open %s: %w: a Log or GroupCommitLog, in this process or another, holds its lock; close that one first (%w)", path, ErrLocked, os.NewSyscallError("flock", err))
	}
	return fmt.Errorf("wal: open %s: locking the file, so that no other log opens it meanwhile: %w", path, os.NewSyscallError("flock", err))
}
