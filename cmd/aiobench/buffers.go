package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/linuxaio/aio"
)

// ioBuffers holds one page-aligned buffer per I/O in flight, as O_DIRECT
// requires, each filled with random bytes so that writes carry data that
// does not compress. They are slices of one aio.Buf, as fio's are of one
// allocation: where that is at least a huge page, the kernel backs it with
// huge pages, and large I/Os reach the device in few segments.
type ioBuffers struct {
	buf   *aio.Buf
	bytes [][]byte
}

func newIOBuffers(count, size int) (*ioBuffers, error) {
	if count <= 0 || size <= 0 || count > math.MaxInt/size {
		return nil, fmt.Errorf("%d buffers of %d bytes: too many or too large to map", count, size)
	}
	buf, err := aio.NewBuf(count * size)
	if err != nil {
		return nil, err
	}
	rng := rand.NewChaCha8([32]byte{'a', 'i', 'o', 'b', 'e', 'n', 'c', 'h'})
	mem := buf.Bytes()
	_, _ = rng.Read(mem)
	b := &ioBuffers{buf: buf}
	for i := range count {
		b.bytes = append(b.bytes, mem[i*size:(i+1)*size:(i+1)*size])
	}
	return b, nil
}

// free returns the buffers' memory.
func (b *ioBuffers) free() error {
	if b.buf == nil {
		return nil
	}
	err := b.buf.Free()
	b.buf, b.bytes = nil, nil
	return err
}
