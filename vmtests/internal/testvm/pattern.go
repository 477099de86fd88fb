package testvm

import (
	"encoding/binary"
	"fmt"
)

// ImageSeed is the seed of the pattern that the raw images are built with.
const ImageSeed = 0xa10

// word returns the 8-byte word of the pattern that starts at off, a multiple
// of 8: the offset itself with the seed in the top 16 bits. Every word of a
// disk is different, so a block read from or written to the wrong place never
// passes for the right one.
func word(off int64, seed uint16) uint64 {
	return uint64(off)&(1<<48-1) | uint64(seed)<<48
}

// At returns the byte of the pattern with the given seed at offset off.
func At(off int64, seed uint16) byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], word(off&^7, seed))
	return b[off&7]
}

// Fill writes the pattern with the given seed for offsets off to
// off+len(p) into p.
func Fill(p []byte, off int64, seed uint16) {
	for i := range p {
		p[i] = At(off+int64(i), seed)
	}
}

// Check returns an error naming the first byte of p that differs from the
// pattern with the given seed at offset off, or nil.
func Check(p []byte, off int64, seed uint16) error {
	for i, b := range p {
		if want := At(off+int64(i), seed); b != want {
			return fmt.Errorf("byte at offset %d is %#02x, want %#02x (pattern seed %#x)", off+int64(i), b, want, seed)
		}
	}
	return nil
}
