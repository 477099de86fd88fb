package wal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// A recovery is what opening a log file found.
type recovery struct {
	blockSize int
	seed      uint32
	end       scanEnd // where the valid records end
	size      int64   // the file's size
}

// recoverLog reads the header of the log in st, whose file is size bytes,
// and scans its records to the first one that does not check. A file of no
// bytes becomes a new log: its header is written and made durable, with the
// directory entry. align is the file's O_DIRECT alignment (1 without), and
// block returns zeroed memory for writing a block.
func recoverLog(path string, st storage, size int64, s settings, align int, block func(int) []byte) (recovery, error) {
	if size == 0 {
		return createLog(path, st, s, align, block)
	}
	var hb [headerSize]byte
	if size < headerSize {
		return recovery{}, fmt.Errorf("wal: open %s: %w: the file is %d bytes, shorter than a log's header", path, ErrCorrupt, size)
	}
	if _, err := st.ReadAt(hb[:], 0); err != nil {
		return recovery{}, fmt.Errorf("wal: open %s: reading the header: %w", path, err)
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

func createLog(path string, st storage, s settings, align int, block func(int) []byte) (recovery, error) {
	bs, err := s.chooseBlockSize(align)
	if err != nil {
		return recovery{}, err
	}
	seed, err := newSeed()
	if err != nil {
		return recovery{}, err
	}
	b := block(bs)
	fileHeader{blockSize: bs, seed: seed}.encode(b)
	ctx := context.Background()
	if err := st.writeAt(ctx, b, 0); err != nil {
		return recovery{}, fmt.Errorf("wal: create %s: writing the header: %w", path, err)
	}
	if err := st.datasync(ctx); err != nil {
		return recovery{}, fmt.Errorf("wal: create %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return recovery{}, fmt.Errorf("wal: create %s: %w", path, err)
	}
	end := scanEnd{offset: int64(bs), crc: seed, reason: "a new log"}
	return recovery{blockSize: bs, seed: seed, end: end, size: int64(bs)}, nil
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

// fileSize returns the size of the file at path, and 0 if there is none.
func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return 0, nil
	case err != nil:
		return 0, err
	case !fi.Mode().IsRegular():
		return 0, fmt.Errorf("wal: open %s: not a regular file (%v)", path, fi.Mode().Type())
	}
	return fi.Size(), nil
}
