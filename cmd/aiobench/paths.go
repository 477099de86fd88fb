package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// checkPaths makes sure, before anything is measured, that the directory
// for the temporary file exists and that the files the report goes into
// can be written, so that a mistyped path fails at once rather than after
// the whole benchmark. Each error is one line that names the flag.
func (cfg *config) checkPaths() error {
	if cfg.file == "" {
		if info, err := os.Stat(cfg.dir); err != nil || !info.IsDir() {
			return fmt.Errorf("-dir %q: no such directory; name an existing directory on a filesystem with O_DIRECT", cfg.dir)
		}
	}
	for _, output := range []struct{ flag, path string }{{"-save", cfg.savePath}, {"-plot", cfg.plotPath}} {
		if output.path == "" {
			continue
		}
		if err := checkWritable(output.path); err != nil {
			return fmt.Errorf("%s %q: %v", output.flag, output.path, err)
		}
	}
	return nil
}

// checkWritable finds out whether a file can be written at path without
// changing what is there: it opens an existing regular file for writing
// without truncating it, and creates a missing file and removes it again.
// A device or a pipe is taken as it is, since opening one may block or
// have effects of its own.
func checkWritable(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return fmt.Errorf("directory %s does not exist; create it or name a file elsewhere", dir)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return writeProblem(err)
		}
		return errors.Join(f.Close(), os.Remove(path))
	case err != nil:
		return writeProblem(err)
	case info.IsDir():
		return errors.New("is a directory; name a file")
	case !info.Mode().IsRegular():
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return writeProblem(err)
	}
	return f.Close()
}

// writeProblem turns the error of opening a file for writing into the
// reason alone, since the caller names the path, with what to do.
func writeProblem(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err
	}
	return fmt.Errorf("cannot write the file (%v); name a file in a writable directory", err)
}
