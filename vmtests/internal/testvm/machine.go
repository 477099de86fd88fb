package testvm

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DisksParam is the kernel command line parameter through which the host
// tells the guest which of All it attached, by serial, comma-separated: a
// machine whose QEMU has no NVMe controller gets no NVMe disk
// (internal/platform says which).
const DisksParam = "aio.disks"

// Unsupported begins the message of a test that skips because the kernel or
// the machine lacks what it tests, as a probe found. The host accepts such a
// skip, and lists it in its summary; any other skip fails the run. The root
// package's tests use the same words (skipUnsupported in its
// helpers_test.go).
const Unsupported = "unsupported here: "

// DisksParamValue returns the value of DisksParam for disks.
func DisksParamValue(disks []Disk) string {
	serials := make([]string, len(disks))
	for i, d := range disks {
		serials[i] = d.Serial
	}
	return DisksParam + "=" + strings.Join(serials, ",")
}

// Attached returns the disks of All that the host attached, as the kernel
// command line says.
func Attached() ([]Disk, error) {
	b, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return nil, err
	}
	for _, arg := range strings.Fields(string(b)) {
		value, ok := strings.CutPrefix(arg, DisksParam+"=")
		if !ok {
			continue
		}
		var disks []Disk
		for _, d := range All {
			for _, s := range strings.Split(value, ",") {
				if s == d.Serial {
					disks = append(disks, d)
				}
			}
		}
		return disks, nil
	}
	return nil, fmt.Errorf("the kernel command line has no %s", DisksParam)
}

// LimitQueues limits the request queue of each attached disk that has a
// QueueSize to that many requests (queue/nr_requests), so that a submitter
// waits once they are in flight. Newer kernels size the queue after the
// virtqueue already; Linux 5.10's virtio_blk gives it 256 requests whatever
// the virtqueue holds.
func LimitQueues() error {
	disks, err := Attached()
	if err != nil {
		return err
	}
	for _, d := range disks {
		if d.QueueSize == 0 {
			continue
		}
		dev, err := Find(d.Serial)
		if err != nil {
			return err
		}
		attr := filepath.Join("/sys/block", filepath.Base(dev), "queue", "nr_requests")
		if err := os.WriteFile(attr, []byte(strconv.Itoa(d.QueueSize)), 0o644); err != nil {
			return err
		}
	}
	return nil
}
