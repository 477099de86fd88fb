package wal

import (
	"io"

	"github.com/linuxaio/aio"
)

// A ring is the staging memory of a Log: n blocks of aligned memory that
// hold, in turn, the blocks of the file from head, the first block not yet
// durable in full, to the end of the log. Block number b of the file lives
// in slot b mod n. A Log's mu guards it.
type ring struct {
	bs    int64
	mem   []byte       // n blocks, aligned for O_DIRECT
	state []blockState // by slot
	head  int64        // block number
}

// A blockState is what the disk has of one block in the ring.
type blockState struct {
	written int  // bytes from the block's start that are durable
	writing bool // a write of the block is in flight
}

func newRing(bs, n int) ring {
	return ring{bs: int64(bs), mem: aio.AlignedBytes(bs * n), state: make([]blockState, n)}
}

func (r *ring) slots() int64 { return int64(len(r.state)) }

func (r *ring) slot(block int64) int64 { return block % r.slots() }

func (r *ring) block(block int64) []byte {
	s := r.slot(block)
	return r.mem[s*r.bs : (s+1)*r.bs]
}

func (r *ring) stateOf(block int64) *blockState { return &r.state[r.slot(block)] }

// start begins the ring at the block that holds end, the end of the
// recovered log, with that block's durable bytes read from st.
func (r *ring) start(end int64, st io.ReaderAt) error {
	r.head = end / r.bs
	n := int(end - r.head*r.bs)
	if n > 0 {
		if _, err := st.ReadAt(r.block(r.head)[:n], r.head*r.bs); err != nil {
			return err
		}
	}
	r.stateOf(r.head).written = n
	return nil
}

// fits reports whether n more bytes at offset end stay within the ring.
func (r *ring) fits(end, n int64) bool {
	return (end+n-1)/r.bs < r.head+r.slots()
}

// put copies p into the ring at file offset off, which fits.
func (r *ring) put(off int64, p []byte) {
	for len(p) > 0 {
		b := off / r.bs
		in := off - b*r.bs
		n := copy(r.block(b)[in:], p)
		p = p[n:]
		off += int64(n)
	}
}

// filled returns how many bytes of block are placed when the log ends at
// end.
func (r *ring) filled(block, end int64) int {
	return int(min(r.bs, max(0, end-block*r.bs)))
}

// advance frees the blocks from head on that are durable in full, zeroing
// their memory for reuse, and returns the offset up to which the log is
// durable.
func (r *ring) advance() int64 {
	for {
		st := r.stateOf(r.head)
		if st.written < int(r.bs) || st.writing {
			return r.head*r.bs + int64(st.written)
		}
		clear(r.block(r.head))
		*st = blockState{}
		r.head++
	}
}
