package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// flushesEachWrite reports whether a durable write to the file at path
// costs a cache flush of its whole device: the block device under it has a
// volatile write cache ("write back" in queue/write_cache) and no FUA, so
// the kernel follows every RWF_DSYNC write with a flush. A file on no block
// device (tmpfs), or whose device sysfs does not describe, counts as not.
func flushesEachWrite(path string) bool {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil || unix.Major(uint64(st.Dev)) == 0 {
		return false
	}
	dev := fmt.Sprintf("/sys/dev/block/%d:%d", unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)))
	queue := filepath.Join(dev, "queue")
	if _, err := os.Stat(queue); err != nil {
		queue = filepath.Join(dev, "..", "queue") // a partition: its disk's queue
	}
	cache, err := os.ReadFile(filepath.Join(queue, "write_cache"))
	if err != nil || strings.TrimSpace(string(cache)) != "write back" {
		return false
	}
	fua, err := os.ReadFile(filepath.Join(queue, "fua"))
	return err == nil && strings.TrimSpace(string(fua)) == "0"
}
