// Package testvm describes the VM that the VM tests run in: its disks, the
// data they hold, and where the guest finds what the host gives it. The host
// half builds the VM from it and the guest halves find and check things with
// it.
package testvm

// Disk is one block device of the test VM.
type Disk struct {
	// Serial is the device's serial number; the guest finds the disk by it.
	Serial string
	// Size is the size of the image in bytes.
	Size int64
	// LogicalBlock is the logical block size the device reports.
	LogicalBlock int
	// NVMe says that the disk is an NVMe namespace rather than virtio-blk.
	NVMe bool
}

// The VM's disks. Raw, Raw4K and NVMe hold the pattern (see Fill) with seed
// ImageSeed from their first to their last byte; Ext4 holds the file system
// described in ext4.go.
var (
	Raw   = Disk{Serial: "aio-raw", Size: 4 << 20, LogicalBlock: 512}
	Ext4  = Disk{Serial: "aio-ext4", Size: 64 << 20, LogicalBlock: 512}
	Raw4K = Disk{Serial: "aio-4k", Size: 4 << 20, LogicalBlock: 4096}
	NVMe  = Disk{Serial: "aio-nvme", Size: 4 << 20, LogicalBlock: 512, NVMe: true}
)

// All lists every disk in the order they are attached.
var All = []Disk{Raw, Ext4, Raw4K, NVMe}
