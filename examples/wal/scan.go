package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// scanBufferSize is how much a scan reads at once, at most.
const scanBufferSize = 1 << 20

// A scanEnd is where and why a scan of the record stream stopped.
type scanEnd struct {
	offset  int64  // file offset just past the last record that checked
	crc     uint32 // that record's CRC, which the next one chains from
	lastSeq uint64 // sequence number of the last record of kind 1 (0: none)
	reason  string // why the next bytes are not a record
}

// scan reads the record stream of a log from offset start to size and
// calls fn, if not nil, with each record of kind 1 and its sequence number,
// in order. It stops at the first frame that does not check: kind 0 (zeroes,
// where the log was never written), an unknown kind, a length beyond the
// file, a CRC that does not match the chain, or a session mark whose
// sequence number does not follow. An error from fn or from reading stops
// it too, and is returned.
func scan(r io.ReaderAt, start, size int64, seed uint32, fn func(seq uint64, payload []byte) error) (scanEnd, error) {
	end := scanEnd{offset: start, crc: seed}
	if size <= start {
		end.reason = "the file ends before the first record"
		return end, nil
	}
	// A small log needs no buffer of scanBufferSize.
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, size-start), int(min(scanBufferSize, alignUp(size-start, 4096))))
	var payload []byte
	for {
		var f [frameSize]byte
		if _, err := io.ReadFull(br, f[:]); err != nil {
			if isShort(err) {
				end.reason = "the file ends inside a record's frame"
				return end, nil
			}
			return end, err
		}
		word := binary.LittleEndian.Uint32(f[4:])
		kind, n := word>>kindShift, int64(word&lengthMask)
		switch {
		case kind == kindEnd:
			end.reason = "no record follows (zeroes)"
			return end, nil
		case kind != kindRecord && kind != kindMark:
			end.reason = fmt.Sprintf("a frame of unknown kind %d", kind)
			return end, nil
		case kind == kindMark && n != markPayload:
			end.reason = fmt.Sprintf("a session mark of %d bytes", n)
			return end, nil
		case end.offset+frameSize+n > size:
			end.reason = fmt.Sprintf("a record of %d bytes that would end beyond the file", n)
			return end, nil
		}
		if int64(cap(payload)) < n {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(br, payload); err != nil {
			if isShort(err) {
				end.reason = "the file ends inside a record"
				return end, nil
			}
			return end, err
		}
		crc := crc32.Update(end.crc, castagnoli, f[4:])
		crc = crc32.Update(crc, castagnoli, payload)
		if crc != binary.LittleEndian.Uint32(f[:4]) {
			end.reason = "a record whose checksum does not match (torn, or not of this log's chain)"
			return end, nil
		}
		if kind == kindMark {
			if next := binary.LittleEndian.Uint64(payload[8:]); next != end.lastSeq+1 {
				end.reason = fmt.Sprintf("a session mark for record %d after record %d", next, end.lastSeq)
				return end, nil
			}
		} else {
			end.lastSeq++
			if fn != nil {
				if err := fn(end.lastSeq, payload); err != nil {
					return end, err
				}
			}
		}
		end.offset += frameSize + n
		end.crc = crc
	}
}

func isShort(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
