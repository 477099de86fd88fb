package main

import (
	"errors"
	"math/rand/v2"

	"github.com/linuxaio/aio"
)

// ioBuffers holds one page-aligned buffer per I/O in flight, as O_DIRECT
// requires, each filled with random bytes so that writes carry data that
// does not compress.
type ioBuffers struct {
	bufs  []*aio.Buf
	bytes [][]byte
}

func newIOBuffers(count, size int) (*ioBuffers, error) {
	b := &ioBuffers{}
	rng := rand.NewChaCha8([32]byte{'a', 'i', 'o', 'b', 'e', 'n', 'c', 'h'})
	for range count {
		buf, err := aio.NewBuf(size)
		if err != nil {
			return nil, errors.Join(err, b.free())
		}
		_, _ = rng.Read(buf.Bytes())
		b.bufs = append(b.bufs, buf)
		b.bytes = append(b.bytes, buf.Bytes())
	}
	return b, nil
}

// free returns the buffers' memory.
func (b *ioBuffers) free() error {
	var errs []error
	for _, buf := range b.bufs {
		errs = append(errs, buf.Free())
	}
	b.bufs, b.bytes = nil, nil
	return errors.Join(errs...)
}
