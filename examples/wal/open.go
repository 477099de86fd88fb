package wal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// createAttempts bounds how many times openLog makes a log at a path where
// the file then is missing again.
const createAttempts = 3

// openLog opens the file of the log at path with open, making a new log
// there first if there is no file (see create), takes the log's lock (see
// lock) and recovers the log. The file's directory entry is made durable
// too: whoever made the file may have crashed before.
func openLog[F logFile](path string, s settings, open opener[F]) (F, recovery, error) {
	var none F
	for range createAttempts {
		f, err := open(path, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			if err := create(path, s, open); err != nil {
				return none, recovery{}, err
			}
			continue
		}
		if err != nil {
			return none, recovery{}, err
		}
		rec, err := lockAndRecover(path, f, s)
		if err != nil {
			f.Close()
			return none, recovery{}, err
		}
		return f, rec, nil
	}
	if target, err := os.Readlink(path); err == nil {
		return none, recovery{}, fmt.Errorf("wal: open %s: it is a symbolic link to %s, which does not exist: make the link point at a log, or remove it", path, target)
	}
	return none, recovery{}, fmt.Errorf("wal: open %s: the file was missing again each of the %d times a log was made there: something removes it", path, createAttempts)
}

// lockAndRecover takes the lock of the log at path, whose file is f, and
// recovers the log, from the size of the open file.
func lockAndRecover(path string, f logFile, s settings) (recovery, error) {
	if err := lock(path, f); err != nil {
		return recovery{}, err
	}
	fi, err := f.stat()
	if err != nil {
		return recovery{}, fmt.Errorf("wal: open %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return recovery{}, fmt.Errorf("wal: open %s: not a regular file (%v): a log is a file of its own", path, fi.Mode().Type())
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return recovery{}, fmt.Errorf("wal: open %s: making its directory entry durable: %w", path, err)
	}
	return recoverLog(path, f, fi.Size(), s, f.alignment(), f.newBlock)
}
