package testvm

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// The ext4 disk's file system and where the guest mounts it.
const (
	// Ext4Mount is the guest directory the ext4 disk is mounted on.
	Ext4Mount = "/mnt/aio-ext4"
	// SeedFile is a file of the ext4 file system holding the pattern with
	// seed ImageSeed. Its size is not a multiple of any block size, so
	// reads across its end come back short.
	SeedFile = "seed"
	// SeedFileSize is the size of SeedFile in bytes.
	SeedFileSize = 64<<10 + 1000
	// TempDir is a directory of the ext4 file system that the guest uses as
	// TMPDIR and as the root package's AIO_TEST_DIR.
	TempDir = "tmp"
)

// MountExt4 finds the ext4 disk and mounts it on Ext4Mount.
func MountExt4() error {
	dev, err := Find(Ext4.Serial)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(Ext4Mount, 0o755); err != nil {
		return err
	}
	if err := unix.Mount(dev, Ext4Mount, "ext4", 0, ""); err != nil {
		return fmt.Errorf("mount %s on %s: %w", dev, Ext4Mount, err)
	}
	return nil
}

// CheckExt4 returns an error unless dir is on an ext4 file system.
func CheckExt4(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return &os.PathError{Op: "statfs", Path: dir, Err: err}
	}
	if st.Type != unix.EXT4_SUPER_MAGIC {
		return fmt.Errorf("%s is on a file system of type %#x, not ext4", dir, st.Type)
	}
	return nil
}

// Ext4Path returns the guest path of name on the ext4 disk.
func Ext4Path(name string) string {
	return filepath.Join(Ext4Mount, name)
}
