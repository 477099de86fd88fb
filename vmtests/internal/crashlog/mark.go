package crashlog

import (
	"encoding/binary"
	"hash/crc32"
)

// Marks tie acknowledgements to a place in the order of the disk's writes.
// In the replay run the guest writes, after records were acknowledged, a
// mark to MarkFile: one block that holds how many records of each writer
// had been acknowledged when it was written. The host's record of every
// write the disk received (QEMU's blklogwrites) then has each mark after
// the writes and the flush that made those records durable, and a replay
// of that record to any flush after the mark must recover them.
const (
	// MarkFile is the ext4 file the guest writes its marks to, with
	// O_DIRECT, each over the last.
	MarkFile = "acks.mark"
	// MarkSize is the size of a mark: one 512-byte sector, the disk's
	// logical block, which the host scans each write's data in.
	MarkSize = 512
)

// markMagic begins every mark.
const markMagic = "aio-mark"

// markBytes is how much of a mark its fields take: the magic, a sequence
// number, a count per writer and a CRC-32C.
const markBytes = len(markMagic) + 8 + 8*Writers + 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// PutMark writes into b, of MarkSize bytes, the mark numbered seq that says
// acked[w] records of writer w had been acknowledged.
func PutMark(b []byte, seq uint64, acked []int) {
	clear(b)
	copy(b, markMagic)
	binary.LittleEndian.PutUint64(b[8:], seq)
	for w, n := range acked {
		binary.LittleEndian.PutUint64(b[16+8*w:], uint64(n))
	}
	binary.LittleEndian.PutUint32(b[markBytes-4:], crc32.Checksum(b[:markBytes-4], castagnoli))
}

// ParseMark returns the sequence number and counts of the mark at the start
// of b, and false if b does not begin with an intact mark.
func ParseMark(b []byte) (seq uint64, acked []int, ok bool) {
	if len(b) < markBytes || string(b[:len(markMagic)]) != markMagic ||
		binary.LittleEndian.Uint32(b[markBytes-4:]) != crc32.Checksum(b[:markBytes-4], castagnoli) {
		return 0, nil, false
	}
	acked = make([]int, Writers)
	for w := range acked {
		acked[w] = int(binary.LittleEndian.Uint64(b[16+8*w:]))
	}
	return binary.LittleEndian.Uint64(b[8:]), acked, true
}
