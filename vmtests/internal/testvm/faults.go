package testvm

// The faulty disk fails, with EIO, every read that touches one of
// FaultyReadSectors and every write that touches one of FaultyWriteSectors;
// all other I/O works. A sector here is 512 bytes, as QEMU's blkdebug driver
// counts them, which is also the faulty disk's logical block size.
//
// The read sectors are the first, a middle and the last sector of a 4 KiB
// block, so that a read touching a faulty sector anywhere in its range is
// caught; they lie between 1 MiB and 1.25 MiB, and the write sector at
// 3 MiB, away from the sectors that the kernel reads at boot when it looks
// for a partition table and those that TestDisks reads.
var (
	FaultyReadSectors  = []int64{2048, 2048 + 85, 2048 + 407}
	FaultyWriteSectors = []int64{6144 + 10}
)

// SectorSize is the size of the sectors that FaultyReadSectors and
// FaultyWriteSectors count.
const SectorSize = 512

// ReadFails reports whether a read of n bytes at offset off on the faulty
// disk touches one of FaultyReadSectors, and so fails.
func ReadFails(off, n int64) bool { return touches(FaultyReadSectors, off, n) }

// WriteFails reports whether a write of n bytes at offset off on the faulty
// disk touches one of FaultyWriteSectors, and so fails.
func WriteFails(off, n int64) bool { return touches(FaultyWriteSectors, off, n) }

// touches reports whether the bytes off to off+n overlap one of sectors.
// blkdebug fails a request that holds a faulty sector's first byte, which is
// the same thing for I/O aligned to sectors, as all direct I/O on the disk
// is.
func touches(sectors []int64, off, n int64) bool {
	for _, s := range sectors {
		if start := s * SectorSize; start < off+n && off < start+SectorSize {
			return true
		}
	}
	return false
}
