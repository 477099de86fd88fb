package testvm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// Find returns the device node of the guest's block device with the given
// serial number. virtio-blk disks show their serial in /sys/block/*/serial,
// NVMe namespaces in their controller's, /sys/block/*/device/serial.
func Find(serial string) (string, error) {
	blocks, err := filepath.Glob("/sys/block/*")
	if err != nil {
		return "", err
	}
	for _, dir := range blocks {
		for _, name := range []string{"serial", "device/serial"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err == nil && string(bytes.TrimSpace(b)) == serial {
				return "/dev/" + filepath.Base(dir), nil
			}
		}
	}
	return "", fmt.Errorf("no block device with serial %q in /sys/block", serial)
}
