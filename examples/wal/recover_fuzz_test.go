package wal

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/cryptotest"
)

// The log of FuzzRecover: blocks of 512 bytes, and three sessions, each of
// which begins with a session mark and appends records of these sizes.
// Records cross block boundaries, and some end on one.
const fuzzBlockSize = 512

var fuzzSessions = [][]int{
	{0, 1, 100, 375, 504, 505, 1024, 2000, 7, 300},
	{511, 512, 513, 0, 1500, 40},
	{3000, 8, 9, 250, 600, 17},
}

// fuzzRecord returns the content of record seq of the log of FuzzRecover.
func fuzzRecord(seq uint64, size int) []byte {
	rng := rand.New(rand.NewPCG(seq, 7))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// fuzzEnds returns the file offset where each record of the log of
// FuzzRecover ends, by sequence number from 1 (ends[0] is where the first
// session's mark begins).
func fuzzEnds() []int64 {
	ends := []int64{fuzzBlockSize}
	off := int64(fuzzBlockSize)
	for _, sizes := range fuzzSessions {
		off += frameSize + markPayload
		for _, n := range sizes {
			off += frameSize + int64(n)
			ends = append(ends, off)
		}
	}
	return ends
}

// A fuzzLog is the undamaged log of FuzzRecover: the file, and the records
// appended to it, records[seq-1] for record seq.
type fuzzLog struct {
	image   []byte
	records [][]byte
	ends    []int64
}

var fuzzLogOnce struct {
	sync.Once
	log *fuzzLog
	err error
}

// theFuzzLog returns the log of FuzzRecover, which it makes once, in a
// file, with a GroupCommitLog. The randomness of the log (its seed and its
// session marks) comes from a fixed seed, so that the file is the same in
// every process and a failing input can be run again.
func theFuzzLog(t *testing.T) *fuzzLog {
	fuzzLogOnce.Do(func() {
		cryptotest.SetGlobalRandom(t, 1)
		fuzzLogOnce.log, fuzzLogOnce.err = makeFuzzLog(filepath.Join(t.TempDir(), "log"))
	})
	if fuzzLogOnce.err != nil {
		t.Fatalf("making the log to damage: %v", fuzzLogOnce.err)
	}
	return fuzzLogOnce.log
}

func makeFuzzLog(path string) (*fuzzLog, error) {
	fl := &fuzzLog{ends: fuzzEnds()}
	opts := &Options{BlockSize: fuzzBlockSize, Preallocate: fuzzBlockSize}
	for _, sizes := range fuzzSessions {
		l, err := OpenGroupCommit(path, opts)
		if err != nil {
			return nil, err
		}
		for _, n := range sizes {
			rec := fuzzRecord(uint64(len(fl.records)+1), n)
			if _, err := l.Append(context.Background(), rec); err != nil {
				l.Close()
				return nil, err
			}
			fl.records = append(fl.records, rec)
		}
		if err := l.Close(); err != nil {
			return nil, err
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// The file ends with zeroes: keep one block of them.
	end := fl.ends[len(fl.ends)-1]
	size := alignUp(end, fuzzBlockSize) + fuzzBlockSize
	if int64(len(b)) < end {
		return nil, fmt.Errorf("the log is %d bytes, shorter than its records (%d bytes)", len(b), end)
	}
	fl.image = append(b[:min(int64(len(b)), size)], make([]byte, max(0, size-int64(len(b))))...)
	h, err := decodeHeader(fl.image)
	if err != nil {
		return nil, err
	}
	scanned, err := scan(bytes.NewReader(fl.image), fuzzBlockSize, size, h.seed, nil)
	if err != nil {
		return nil, err
	}
	if scanned.offset != end || scanned.lastSeq != uint64(len(fl.records)) {
		return nil, fmt.Errorf("the log ends after record %d at %d (%s), want record %d at %d", scanned.lastSeq, scanned.offset, scanned.reason, len(fl.records), end)
	}
	return fl, nil
}

// memStorage is a file in memory.
type memStorage struct{ b []byte }

func (m *memStorage) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memStorage) writeAt(_ context.Context, p []byte, off int64) error {
	if end := off + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	copy(m.b[off:], p)
	return nil
}

func (m *memStorage) datasync(context.Context) error { return nil }

// The kinds of damage that FuzzRecover decodes from its input: each is a
// byte, the kind modulo fuzzOps, and its operands. Offsets and blocks are
// taken modulo the size of the file; what the input lacks reads as zero.
const (
	opFlip      = iota // offset (uint32), then the byte to xor it with (0 is 0xff)
	opTruncate         // the new size (uint32)
	opZeroBlock        // block (uint32)
	opCopyBlock        // from block, to block (uint32s)
	opAppend           // n (a byte), then n bytes of garbage
	fuzzOps
)

// maxDamage bounds the kinds of damage done to one file.
const maxDamage = 16

// An input is what is left of FuzzRecover's input to decode.
type input []byte

func (in *input) byte() byte {
	if len(*in) == 0 {
		return 0
	}
	b := (*in)[0]
	*in = (*in)[1:]
	return b
}

// below decodes a uint32 and returns it modulo n, which is positive.
func (in *input) below(n int) int {
	var b [4]byte
	for i := range b {
		b[i] = in.byte()
	}
	return int(uint64(binary.LittleEndian.Uint32(b[:])) % uint64(n))
}

// damage returns a copy of image damaged as data says.
func damage(image []byte, data []byte) []byte {
	img := bytes.Clone(image)
	in := input(data)
	blocks := func() int { return max(1, (len(img)+fuzzBlockSize-1)/fuzzBlockSize) }
	block := func(b int) []byte {
		return img[min(len(img), b*fuzzBlockSize):min(len(img), (b+1)*fuzzBlockSize)]
	}
	for range maxDamage {
		if len(in) == 0 {
			break
		}
		switch in.byte() % fuzzOps {
		case opFlip:
			off, x := in.below(max(1, len(img))), in.byte()
			if x == 0 {
				x = 0xff
			}
			if len(img) > 0 {
				img[off] ^= x
			}
		case opTruncate:
			img = img[:in.below(len(img)+1)]
		case opZeroBlock:
			clear(block(in.below(blocks())))
		case opCopyBlock:
			from, to := in.below(blocks()), in.below(blocks())
			copy(block(to), block(from))
		case opAppend:
			n := int(in.byte())
			for range n {
				img = append(img, in.byte())
			}
		}
	}
	return img
}

// Encodings of damage, for the seeds.
func flipAt(off int64, x byte) []byte {
	return append(binary.LittleEndian.AppendUint32([]byte{opFlip}, uint32(off)), x)
}

func truncateTo(n int64) []byte {
	return binary.LittleEndian.AppendUint32([]byte{opTruncate}, uint32(n))
}

func zeroBlock(b int) []byte {
	return binary.LittleEndian.AppendUint32([]byte{opZeroBlock}, uint32(b))
}

func copyBlock(from, to int) []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32([]byte{opCopyBlock}, uint32(from)), uint32(to))
}

func appendGarbage(p []byte) []byte {
	return append([]byte{opAppend, byte(len(p))}, p...)
}

// FuzzRecover damages a log (see fuzzSessions) as its input says: flipped
// bytes, a truncation, zeroed blocks, a block copied over another, garbage
// appended. Then it recovers the log: recovery must not panic; every record
// it gives is the record appended with that sequence number; and every
// record that lies wholly before the first byte that differs from the
// undamaged file is recovered. A damaged header may make the file
// ErrCorrupt instead.
func FuzzRecover(f *testing.F) {
	ends := fuzzEnds()
	n := len(ends) - 1
	end := ends[n]
	// The first session's mark is at 512; the second's ends the first
	// session's records, the third's the second's.
	mark2 := ends[len(fuzzSessions[0])]
	for _, seed := range [][]byte{
		nil,
		flipAt(ends[4]+frameSize+2, 0x01),      // a payload
		flipAt(ends[11], 0x80),                 // a frame's CRC
		flipAt(ends[12]+5, 0x40),               // a frame's length
		flipAt(ends[13]+7, 0x40),               // a frame's kind
		flipAt(2, 0x20),                        // the magic number
		flipAt(9, 0x01),                        // the block size
		flipAt(100, 0x01),                      // the header's padding
		flipAt(mark2+frameSize+3, 0x01),        // a session mark's random bytes
		flipAt(mark2+frameSize+8, 0x01),        // a session mark's sequence number
		flipAt(end, 0x40),                      // the zeroes after the log
		truncateTo((ends[19] + ends[20]) / 2),  // inside a record
		truncateTo(ends[15]),                   // at the end of a record
		truncateTo(ends[15] + 3),               // inside a frame
		truncateTo(10),                         // inside the header
		truncateTo(0),                          // nothing left
		truncateTo(end),                        // the zeroes cut off
		zeroBlock(7),                           // a block inside the log
		zeroBlock(0),                           // the header
		zeroBlock(int(end / fuzzBlockSize)),    // the last block
		copyBlock(3, 9),                        // a block of records over a later one
		copyBlock(9, 3),                        // over an earlier one
		copyBlock(5, int(end/fuzzBlockSize)+1), // over the zeroes after the log
		append(truncateTo(ends[8]+4), appendGarbage(bytes.Repeat([]byte{0x5a}, 40))...), // garbage in a torn frame
		appendGarbage([]byte("garbage after the zeroes that end the log")),
		append(append(zeroBlock(2), flipAt(ends[n-2]+frameSize, 0x10)...), copyBlock(1, 4)...),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fl := theFuzzLog(t)
		img := damage(fl.image, data)
		checkRecovery(t, fl, img)
	})
}

// checkRecovery recovers the log in img, fl damaged, and checks what it
// gives (see FuzzRecover).
func checkRecovery(t *testing.T, fl *fuzzLog, img []byte) {
	diff := firstDiff(fl.image, img)
	st := &memStorage{b: bytes.Clone(img)}
	rec, err := recoverLog("damaged", st, int64(len(img)), settings{}, 1, func(n int) []byte { return make([]byte, n) })
	if err != nil {
		if errors.Is(err, ErrCorrupt) && diff < headerSize {
			return
		}
		t.Fatalf("recovering a log whose first damaged byte is at %d: %v", diff, err)
	}
	var got uint64
	err = replay(st, "damaged", rec, func() bool { return false }, func(seq uint64, record []byte) error {
		switch {
		case seq != got+1:
			return fmt.Errorf("record %d follows record %d", seq, got)
		case seq > uint64(len(fl.records)):
			return fmt.Errorf("record %d, but %d were appended", seq, len(fl.records))
		case !bytes.Equal(record, fl.records[seq-1]):
			return fmt.Errorf("record %d (%d bytes) is not the record appended (%d bytes)", seq, len(record), len(fl.records[seq-1]))
		}
		got = seq
		return nil
	})
	if err != nil {
		t.Fatalf("first damaged byte at %d: %v", diff, err)
	}
	if got != rec.end.lastSeq {
		t.Errorf("recovery ends after record %d, but Replay gave %d", rec.end.lastSeq, got)
	}
	var want uint64
	for want < uint64(len(fl.records)) && fl.ends[want+1] <= diff {
		want++
	}
	if got < want {
		t.Errorf("recovered %d records (%s at %d), but %d lie wholly before the first damaged byte, at %d", got, rec.end.reason, rec.end.offset, want, diff)
	}
}

// firstDiff returns the offset of the first byte of b that differs from a,
// where a byte missing from b, or one more than a has, differs.
func firstDiff(a, b []byte) int64 {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return int64(i)
		}
	}
	return int64(min(len(a), len(b)))
}
