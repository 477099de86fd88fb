package wal

import (
	"context"
	"fmt"
	"os"
)

// A recovery is what opening a log file found.
type recovery struct {
	blockSize int
	seed      uint32
	end       scanEnd // where the valid records end
	size      int64   // the file's size
}

// recoverLog reads the header of the log in st, whose file is size bytes,
// and scans its records to the first one that does not check. A file of
// only zeroes (or of no bytes) is a log that was never written: a crash
// while it was being made, or before its header was durable, can leave one,
// and no record can have been acknowledged in it. It becomes a new log, its
// header written in place and made durable. align is the file's O_DIRECT
// alignment (1 without), and block returns zeroed memory for I/O on the
// file.
func recoverLog(path string, st storage, size int64, s settings, align int, block func(int) []byte) (recovery, error) {
	var hb [headerSize]byte
	if size > 0 {
		if _, err := st.ReadAt(hb[:min(size, headerSize)], 0); err != nil {
			return recovery{}, fmt.Errorf("wal: open %s: reading the header: %w", path, err)
		}
	}
	if hb == [headerSize]byte{} {
		blank, err := isBlank(st, size, block)
		if err != nil {
			return recovery{}, fmt.Errorf("wal: open %s: reading the file: %w", path, err)
		}
		if blank {
			return initLog(path, st, size, s, align, block)
		}
	}
	if size < headerSize {
		return recovery{}, fmt.Errorf("wal: open %s: %w: the file is %d bytes, shorter than a log's header", path, ErrCorrupt, size)
	}
	h, err := decodeHeader(hb[:])
	if err != nil {
		return recovery{}, fmt.Errorf("wal: open %s: %w", path, err)
	}
	switch {
	case s.blockSize != 0 && s.blockSize != h.blockSize:
		return recovery{}, fmt.Errorf("wal: open %s: the log has blocks of %d bytes, but Options.BlockSize is %d: leave it 0 for an existing log", path, h.blockSize, s.blockSize)
	case h.blockSize%align != 0:
		return recovery{}, fmt.Errorf("wal: open %s: the log's blocks of %d bytes are not a multiple of the file's O_DIRECT alignment, %d bytes", path, h.blockSize, align)
	}
	end, err := scan(st, int64(h.blockSize), size, h.seed, nil)
	if err != nil {
		return recovery{}, fmt.Errorf("wal: open %s: reading the records: %w", path, err)
	}
	return recovery{blockSize: h.blockSize, seed: h.seed, end: end, size: size}, nil
}

// blankChunk is how much isBlank reads at once.
const blankChunk = 1 << 20

// isBlank reports whether the size bytes of st are all zero.
func isBlank(st storage, size int64, block func(int) []byte) (bool, error) {
	if size == 0 {
		return true, nil
	}
	buf := block(int(min(size, blankChunk)))
	for off := int64(0); off < size; {
		b := buf[:min(int64(len(buf)), size-off)]
		if _, err := st.ReadAt(b, off); err != nil {
			return false, err
		}
		for _, c := range b {
			if c != 0 {
				return false, nil
			}
		}
		off += int64(len(b))
	}
	return true, nil
}

// initLog makes the file in st, of size bytes, all zero, a new log.
func initLog(path string, st storage, size int64, s settings, align int, block func(int) []byte) (recovery, error) {
	h, err := writeHeader(path, st, s, align, block)
	if err != nil {
		return recovery{}, err
	}
	end := scanEnd{offset: int64(h.blockSize), crc: h.seed, reason: "a new log"}
	return recovery{blockSize: h.blockSize, seed: h.seed, end: end, size: max(size, int64(h.blockSize))}, nil
}

// writeHeader writes the header block of a new log to the start of st, and
// makes it durable.
func writeHeader(path string, st storage, s settings, align int, block func(int) []byte) (fileHeader, error) {
	bs, err := s.chooseBlockSize(align)
	if err != nil {
		return fileHeader{}, err
	}
	seed, err := newSeed()
	if err != nil {
		return fileHeader{}, err
	}
	h := fileHeader{blockSize: bs, seed: seed}
	b := block(bs)
	h.encode(b)
	ctx := context.Background()
	if err := st.writeAt(ctx, b, 0); err != nil {
		return fileHeader{}, fmt.Errorf("wal: create %s: writing the header: %w", path, err)
	}
	if err := createStep("header written"); err != nil {
		return fileHeader{}, err
	}
	if err := st.datasync(ctx); err != nil {
		return fileHeader{}, fmt.Errorf("wal: create %s: making the header durable: %w", path, err)
	}
	if err := createStep("header durable"); err != nil {
		return fileHeader{}, err
	}
	return h, nil
}

// syncDir makes the entries of directory dir durable, so that a new file
// in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
