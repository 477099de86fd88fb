package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// A target in RAM has no device latency: what is measured is the software
// path alone, so its numbers say nothing about a disk, and reports say so.
// aiobench recognizes a file on a filesystem that lives in memory, a loop
// device over such a file, and a RAM disk of the brd driver (/dev/ramN).

// ramFilesystems names the filesystems, by the magic number that statfs(2)
// gives, whose files live in memory only.
var ramFilesystems = map[int64]string{
	unix.TMPFS_MAGIC: "tmpfs",
	unix.RAMFS_MAGIC: "ramfs",
}

// ramDiskMajor is the major device number of the brd driver's RAM disks.
const ramDiskMajor = 1

// sysDevBlock is where sysfs describes each block device, in a directory
// named major:minor.
const sysDevBlock = "/sys/dev/block"

// ramBacking says how the data of the target at path lives in RAM, such as
// "a file on tmpfs", or returns "" if it does not, as far as can be told.
func ramBacking(path string, blockDevice bool) string {
	if !blockDevice {
		if fs := ramFilesystem(path); fs != "" {
			return "a file on " + fs
		}
		return ""
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return ""
	}
	return ramDevice(uint64(st.Rdev))
}

// ramDevice says how the block device dev (a major:minor number) keeps its
// data in RAM, or returns "" if it does not, as far as can be told.
func ramDevice(dev uint64) string {
	major, minor := unix.Major(dev), unix.Minor(dev)
	if major == ramDiskMajor {
		return "a RAM disk (brd)"
	}
	backing := loopBackingFile(sysDevBlock, major, minor)
	if backing == "" {
		return ""
	}
	if fs := ramFilesystem(backing); fs != "" {
		return fmt.Sprintf("a loop device over %s, a file on %s", backing, fs)
	}
	return ""
}

// ramBackingOfDirectory says how the files of directory dir live in RAM:
// on a filesystem in memory, such as "a directory on tmpfs", or on a
// filesystem whose device is in RAM, such as ext4 on a loop device over a
// file on tmpfs. It returns "" if they do not, as far as can be told.
func ramBackingOfDirectory(dir string) string {
	if fs := ramFilesystem(dir); fs != "" {
		return "a directory on " + fs
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return ""
	}
	if device := ramDevice(uint64(st.Dev)); device != "" {
		return "a filesystem on " + device
	}
	return ""
}

// ramFilesystem returns the name of the in-memory filesystem that holds
// path, or "" if another one does. It must not be given a device node:
// /dev itself is a tmpfs (devtmpfs), whatever the device's storage is.
func ramFilesystem(path string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return ""
	}
	return ramFilesystems[int64(st.Type)]
}

// loopBackingFile returns the file behind the loop device major:minor, as
// the sysfs tree at sys (a /sys/dev/block) tells it, or "" if the device is
// not a loop device or has no file attached.
func loopBackingFile(sys string, major, minor uint32) string {
	data, err := os.ReadFile(filepath.Join(sys, fmt.Sprintf("%d:%d", major, minor), "loop", "backing_file"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}
