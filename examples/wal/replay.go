package wal

import (
	"fmt"
	"io"
)

// replay calls fn, if not nil, with each record of the log at path that
// Open recovered (rec), reading them from r; closed reports whether the
// log's Close has been called. Once it has, replay returns ErrClosed, also
// for a read that failed because Close closed r meanwhile.
func replay(r io.ReaderAt, path string, rec recovery, closed func() bool, fn func(seq uint64, record []byte) error) error {
	if closed() {
		return ErrClosed
	}
	var fnErr error
	_, err := scan(r, int64(rec.blockSize), rec.end.offset, rec.seed, func(seq uint64, record []byte) error {
		if fn != nil {
			fnErr = fn(seq, record)
		}
		return fnErr
	})
	switch {
	case err == nil || fnErr != nil:
		return err
	case closed():
		return ErrClosed
	}
	return fmt.Errorf("wal: replaying %s: %w", path, err)
}
