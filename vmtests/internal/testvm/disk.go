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
	// Faulty says that QEMU fails the disk's reads and writes that touch
	// the sectors in FaultyReadSectors and FaultyWriteSectors (see
	// faults.go) with EIO.
	Faulty bool
	// IOPS, if not zero, is how many requests per second QEMU lets through
	// to the disk's image; the rest wait in QEMU.
	IOPS int
	// QueueSize, if not zero, is the size of the disk's virtqueue: how many
	// requests the guest's driver can have outstanding on the device.
	QueueSize int
}

// The VM's disks. Raw, Raw4K, NVMe, Faulty and Slow hold the pattern (see
// Fill) with seed ImageSeed from their first to their last byte; Ext4 holds
// the file system described in ext4.go.
//
// Slow has a small virtqueue and a low rate: the guest's request queue holds
// a handful of requests, and an io_submit of more O_DIRECT requests than
// that waits inside the kernel for earlier ones to complete, tens of
// milliseconds each. QEMU's throttling runs on real time, so an emulated
// guest sees the same rate as a fast one.
var (
	Raw    = Disk{Serial: "aio-raw", Size: 4 << 20, LogicalBlock: 512}
	Ext4   = Disk{Serial: "aio-ext4", Size: 64 << 20, LogicalBlock: 512}
	Raw4K  = Disk{Serial: "aio-4k", Size: 4 << 20, LogicalBlock: 4096}
	NVMe   = Disk{Serial: "aio-nvme", Size: 4 << 20, LogicalBlock: 512, NVMe: true}
	Faulty = Disk{Serial: "aio-faulty", Size: 4 << 20, LogicalBlock: 512, Faulty: true}
	Slow   = Disk{Serial: "aio-slow", Size: 4 << 20, LogicalBlock: 512, IOPS: 25, QueueSize: 4}
)

// All lists every disk in the order they are attached.
var All = []Disk{Raw, Ext4, Raw4K, NVMe, Faulty, Slow}
