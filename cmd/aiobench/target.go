package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// defaultTargetSize is the size of a file that aiobench creates when -size
// does not say: large enough that random 4 KiB reads rarely repeat close
// together, small enough to fill in well under a second.
const defaultTargetSize = 64 << 20

// A target is the file or block device that a benchmark reads and writes.
type target struct {
	Path        string `json:"path"`
	Size        int64  `json:"size"` // bytes used, a whole number of blocks
	Temporary   bool   `json:"temporary"`
	BlockDevice bool   `json:"block_device"`
	// Directory is set for -log, whose target is a directory that each
	// run makes a new log file in.
	Directory bool `json:"directory,omitempty"`
	// RAM says how the target's data lives in memory, such as "a file on
	// tmpfs"; it is empty for a target on a device.
	RAM string `json:"ram,omitempty"`
}

// kind describes the target in a few words for report headers: what it is
// and, if its data lives in RAM, how.
func (t target) kind() string {
	kind := t.noun()
	if t.RAM != "" {
		kind += "; RAM: " + t.RAM
	}
	return kind
}

// noun says what the target is in a few words, such as "temporary file".
func (t target) noun() string {
	switch {
	case t.Temporary:
		return "temporary file"
	case t.BlockDevice:
		return "block device"
	case t.Directory:
		return "directory for new log files"
	}
	return "file"
}

// errNoDirectIO marks a target whose filesystem refuses O_DIRECT.
var errNoDirectIO = errors.New("the filesystem does not support O_DIRECT")

// prepareTarget finds or makes the target that cfg names and checks that it
// opens with O_DIRECT. remove deletes a temporary file; it is never nil.
func prepareTarget(cfg *config) (t target, remove func() error, err error) {
	remove = func() error { return nil }
	if cfg.file == "" {
		return createTemporaryTarget(cfg)
	}
	t = target{Path: cfg.file}
	info, err := os.Stat(cfg.file)
	switch {
	case errors.Is(err, os.ErrNotExist):
		t.Size = sizeOrDefault(cfg.size)
		if err := createFilled(cfg.file, t.Size); err != nil {
			return t, remove, err
		}
	case err != nil:
		return t, remove, err
	case info.Mode()&os.ModeDevice != 0 && info.Mode()&os.ModeCharDevice == 0:
		t.BlockDevice = true
		if t.Size, err = deviceSize(cfg.file); err != nil {
			return t, remove, err
		}
		if cfg.size > t.Size {
			return t, remove, fmt.Errorf("-size %d is larger than %s (%d bytes)", cfg.size, cfg.file, t.Size)
		}
	case info.Mode().IsRegular():
		t.Size = info.Size()
		if cfg.size > t.Size {
			if err := extendFilled(cfg.file, t.Size, cfg.size); err != nil {
				return t, remove, err
			}
			t.Size = cfg.size
		}
	default:
		return t, remove, fmt.Errorf("%s is neither a regular file nor a block device", cfg.file)
	}
	if cfg.size > 0 {
		t.Size = cfg.size
	}
	t.Size -= t.Size % int64(cfg.blockSize)
	if t.Size == 0 {
		return t, remove, fmt.Errorf("%s is smaller than one block (%d bytes)", cfg.file, cfg.blockSize)
	}
	t.RAM = ramBacking(t.Path, t.BlockDevice)
	return t, remove, checkDirectIO(t.Path)
}

// createTemporaryTarget makes and fills a file in cfg.dir, checking O_DIRECT
// before it writes anything.
func createTemporaryTarget(cfg *config) (target, func() error, error) {
	noop := func() error { return nil }
	dir, err := filepath.Abs(cfg.dir)
	if err != nil {
		return target{}, noop, err
	}
	f, err := os.CreateTemp(dir, "aiobench-*.tmp")
	if err != nil {
		return target{}, noop, err
	}
	t := target{Path: f.Name(), Size: sizeOrDefault(cfg.size), Temporary: true}
	t.Size -= t.Size % int64(cfg.blockSize)
	t.RAM = ramBacking(t.Path, false)
	remove := func() error { return os.Remove(t.Path) }
	err = errors.Join(f.Close(), checkDirectIO(t.Path))
	if err == nil {
		err = extendFilled(t.Path, 0, t.Size)
	}
	if err != nil {
		return t, remove, errors.Join(err, remove())
	}
	return t, remove, nil
}

// sizeOrDefault returns size, or defaultTargetSize if size is 0.
func sizeOrDefault(size int64) int64 {
	if size == 0 {
		return defaultTargetSize
	}
	return size
}

// createFilled creates the file path, which must not exist, filled with size
// bytes.
func createFilled(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return extendFilled(path, 0, size)
}

// extendFilled writes random bytes into path from offset from up to offset
// to, so that reads hit allocated blocks rather than holes (which some
// filesystems answer without touching the device). It then drops the
// written pages from the page cache: O_DIRECT writes would otherwise spend
// time invalidating them.
func extendFilled(path string, from, to int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	chunk := make([]byte, 1<<20)
	_, _ = rand.NewChaCha8([32]byte{'f', 'i', 'l', 'l'}).Read(chunk)
	for off := from; off < to && err == nil; off += int64(len(chunk)) {
		_, err = f.WriteAt(chunk[:min(int64(len(chunk)), to-off)], off)
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.NewSyscallError("fadvise", unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED))
	}
	return errors.Join(err, f.Close())
}

// deviceSize returns the size in bytes of the block device at path.
func deviceSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	return size, errors.Join(err, f.Close())
}

// checkDirectIO opens path with O_DIRECT, which fails with EINVAL on
// filesystems that do not support it, and explains what to do instead.
func checkDirectIO(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_DIRECT|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("%s: %w (as tmpfs before Linux 6.6 and some FUSE and network filesystems): "+
			"put the temporary file on a disk filesystem with -dir DIR, or name a file or block device elsewhere with -file PATH",
			path, errNoDirectIO)
	}
	if err != nil {
		return err
	}
	return f.Close()
}
