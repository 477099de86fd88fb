package wal

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Making a log is atomic: a crash at any point of it leaves either no file
// at the log's path or a log that Open accepts. The new log is made in the
// log's directory under no name (O_TMPFILE), its header written and made
// durable there, and only then is it linked at the path. Where the
// filesystem has no O_TMPFILE, it is made under a unique temporary name in
// the directory instead (".<name>.new-<random>"), linked at the path, and
// the temporary name removed; a crash may leave such a file behind, never a
// partial log at the path. The link fails if a log has appeared at the path
// meanwhile (another Open made it): that one is the log.

// createHook, if not nil, is called after each step of making a log, with
// the step's name; an error from it stops the making there, as a crash
// would. Tests set it.
var createHook func(step string) error

// namedTempOnly makes create do as on a filesystem without O_TMPFILE.
// Tests set it.
var namedTempOnly bool

func createStep(step string) error {
	if createHook == nil {
		return nil
	}
	return createHook(step)
}

// create makes a new log at path, with files that open opens, unless one
// appears there meanwhile.
func create[F logFile](path string, s settings, open opener[F]) error {
	f, temp, err := openTemp(path, open)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("wal: create %s: the directory does not exist: make it first (%w)", path, err)
	}
	if err != nil {
		return fmt.Errorf("wal: create %s: making the new file in its directory: %w", path, err)
	}
	defer func() {
		f.Close()
		if temp != "" {
			os.Remove(temp)
		}
	}()
	if err := createStep("temporary file open"); err != nil {
		return err
	}
	if _, err := writeHeader(path, f, s, f.alignment(), f.newBlock); err != nil {
		return err
	}
	if temp != "" {
		err = os.Link(temp, path)
	} else {
		err = f.control(func(fd int) error { return linkFd(fd, path) })
	}
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil // another Open made the log first
	case err != nil:
		return fmt.Errorf("wal: create %s: linking the new log at its path: %w", path, err)
	}
	return createStep("linked")
}

// openTemp opens a new file with open for the log at path, in the same
// directory: an unnamed one (O_TMPFILE), or where the kernel or the
// filesystem has none, one under a unique temporary name, which it
// returns.
func openTemp[F logFile](path string, open opener[F]) (F, string, error) {
	dir := filepath.Dir(path)
	if !namedTempOnly {
		f, err := open(dir, unix.O_TMPFILE|os.O_RDWR, 0o644)
		// EISDIR: a kernel before O_TMPFILE. EOPNOTSUPP: a filesystem
		// without it. EINVAL: one without it together with O_DIRECT.
		if err == nil || !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EINVAL) {
			return f, "", err
		}
	}
	// 130 random bits: a name that exists already is another's, made on
	// purpose; a second one, a filesystem that says so of every name.
	var f F
	var err error
	for range 2 {
		name := filepath.Join(dir, "."+filepath.Base(path)+".new-"+rand.Text())
		if f, err = open(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644); err == nil {
			return f, name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	return f, "", err
}

// linkFd gives the unnamed file fd the name path. linkat(2) with
// AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (without it, it gives ENOENT);
// the file's link in /proc does without.
func linkFd(fd int, path string) error {
	err := unix.Linkat(fd, "", unix.AT_FDCWD, path, unix.AT_EMPTY_PATH)
	if err == unix.ENOENT {
		err = unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", fd), unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
	}
	if err != nil {
		return os.NewSyscallError("linkat", err)
	}
	return nil
}
