package wal

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// The file format. Every integer is little-endian, whatever the machine.
//
// The first block (BlockSize bytes) is the file header:
//
//	offset 0   magic "aiowal\x00\x01"
//	offset 8   block size, uint32
//	offset 12  chain seed, uint32: the CRC the first record chains from
//	offset 16  CRC-32C of bytes 0–15, uint32
//	the rest of the block is zero
//
// The records follow as one byte stream from offset BlockSize, packed
// without gaps, across block boundaries. A record is an 8-byte frame and its
// payload:
//
//	offset 0   CRC-32C, uint32, chained: seeded with the CRC of the record
//	           before (the chain seed for the first), over bytes 4–7 and the
//	           payload
//	offset 4   kind (top 2 bits) and payload length (low 30 bits), uint32
//	offset 8   payload
//
// Kind 1 is a record that Append wrote. Kind 2 is a session mark, which
// every Open writes where the recovered log ends: its payload is 8 random
// bytes and the sequence number of the next record. Kind 0 (and so a
// zeroed, preallocated region) ends the log.
//
// The chain makes stale bytes harmless. After a crash the log ends at the
// first record that does not check; the next session writes its mark there
// and goes on from it, but further on the file may still hold records of
// the crashed session that were written without what came before them
// being durable. Such a record checks only against the chain it was
// written in, and that chain now passes through the mark's random bytes:
// a recovery that reaches it stops there, as it should.
const (
	headerSize  = 20
	frameSize   = 8
	markPayload = 16

	kindShift  = 30
	lengthMask = 1<<kindShift - 1
	kindEnd    = 0
	kindRecord = 1
	kindMark   = 2

	// maxPayload is the largest payload the format can describe.
	maxPayload = lengthMask
)

var magic = [8]byte{'a', 'i', 'o', 'w', 'a', 'l', 0, 1}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// A fileHeader is what the first block of a log says.
type fileHeader struct {
	blockSize int
	seed      uint32
}

// encode writes h into the start of block, which must be zero.
func (h fileHeader) encode(block []byte) {
	copy(block, magic[:])
	binary.LittleEndian.PutUint32(block[8:], uint32(h.blockSize))
	binary.LittleEndian.PutUint32(block[12:], h.seed)
	binary.LittleEndian.PutUint32(block[16:], crc32.Checksum(block[:16], castagnoli))
}

// decodeHeader reads a file header, or says why b is not one.
func decodeHeader(b []byte) (fileHeader, error) {
	if len(b) < headerSize {
		return fileHeader{}, fmt.Errorf("%w: the file is %d bytes, shorter than a log's header", ErrCorrupt, len(b))
	}
	if [8]byte(b[:8]) != magic {
		return fileHeader{}, fmt.Errorf("%w: the file does not begin with a log's magic number (%q)", ErrCorrupt, b[:8])
	}
	if got, want := binary.LittleEndian.Uint32(b[16:]), crc32.Checksum(b[:16], castagnoli); got != want {
		return fileHeader{}, fmt.Errorf("%w: the header's checksum is %#08x, but its bytes give %#08x", ErrCorrupt, got, want)
	}
	h := fileHeader{blockSize: int(binary.LittleEndian.Uint32(b[8:])), seed: binary.LittleEndian.Uint32(b[12:])}
	if h.blockSize < minBlockSize || h.blockSize > maxBlockSize || h.blockSize&(h.blockSize-1) != 0 {
		return fileHeader{}, fmt.Errorf("%w: the header gives a block size of %d bytes", ErrCorrupt, h.blockSize)
	}
	return h, nil
}

// frame returns the frame of a payload of kind and the chained CRC, which
// the next record chains from.
func frame(prev uint32, kind uint32, payload []byte) ([frameSize]byte, uint32) {
	var f [frameSize]byte
	binary.LittleEndian.PutUint32(f[4:], kind<<kindShift|uint32(len(payload)))
	crc := crc32.Update(prev, castagnoli, f[4:])
	crc = crc32.Update(crc, castagnoli, payload)
	binary.LittleEndian.PutUint32(f[:4], crc)
	return f, crc
}

// markFor returns the payload of a session mark whose next record is seq.
func markFor(seq uint64) ([markPayload]byte, error) {
	var m [markPayload]byte
	if _, err := rand.Read(m[:8]); err != nil {
		return m, err
	}
	binary.LittleEndian.PutUint64(m[8:], seq)
	return m, nil
}

// newSeed returns a random chain seed for a new log.
func newSeed() (uint32, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}
