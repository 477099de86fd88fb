package pebblevfs

import (
	"io"
	"os"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// The calls on names rather than open files go to the wrapped FS while the
// FS is open; the path functions, which touch no file, go there always.

// Link creates newname as a hard link to the oldname file.
func (fs *FS) Link(oldname, newname string) error {
	if !fs.gate.enter() {
		return closedFSLinkError("link", oldname, newname)
	}
	defer fs.gate.leave()
	return fs.wrapped.Link(oldname, newname)
}

// Remove removes the named file or empty directory.
func (fs *FS) Remove(name string) error {
	if !fs.gate.enter() {
		return closedFSError("remove", name)
	}
	defer fs.gate.leave()
	return fs.wrapped.Remove(name)
}

// RemoveAll removes the named file or directory and everything in it.
func (fs *FS) RemoveAll(name string) error {
	if !fs.gate.enter() {
		return closedFSError("removeall", name)
	}
	defer fs.gate.leave()
	return fs.wrapped.RemoveAll(name)
}

// Rename renames oldname to newname, replacing newname if it exists.
func (fs *FS) Rename(oldname, newname string) error {
	if !fs.gate.enter() {
		return closedFSLinkError("rename", oldname, newname)
	}
	defer fs.gate.leave()
	return fs.wrapped.Rename(oldname, newname)
}

// MkdirAll creates the directory dir and the parents it lacks.
func (fs *FS) MkdirAll(dir string, perm os.FileMode) error {
	if !fs.gate.enter() {
		return closedFSError("mkdir", dir)
	}
	defer fs.gate.leave()
	return fs.wrapped.MkdirAll(dir, perm)
}

// Lock locks the named file, creating it if need be, and returns the
// Closer that unlocks it, which is the wrapped FS's.
func (fs *FS) Lock(name string) (io.Closer, error) {
	if !fs.gate.enter() {
		return nil, closedFSError("lock", name)
	}
	defer fs.gate.leave()
	return fs.wrapped.Lock(name)
}

// List returns the names of the entries of the directory dir.
func (fs *FS) List(dir string) ([]string, error) {
	if !fs.gate.enter() {
		return nil, closedFSError("list", dir)
	}
	defer fs.gate.leave()
	return fs.wrapped.List(dir)
}

// Stat returns the FileInfo of the named file.
func (fs *FS) Stat(name string) (vfs.FileInfo, error) {
	if !fs.gate.enter() {
		return nil, closedFSError("stat", name)
	}
	defer fs.gate.leave()
	return fs.wrapped.Stat(name)
}

// GetDiskUsage returns the space used and free on the filesystem that
// holds path.
func (fs *FS) GetDiskUsage(path string) (vfs.DiskUsage, error) {
	if !fs.gate.enter() {
		return vfs.DiskUsage{}, closedFSError("statfs", path)
	}
	defer fs.gate.leave()
	return fs.wrapped.GetDiskUsage(path)
}

// PathBase returns the last element of path, as the wrapped FS does.
func (fs *FS) PathBase(path string) string { return fs.wrapped.PathBase(path) }

// PathJoin joins the elements into one path, as the wrapped FS does.
func (fs *FS) PathJoin(elem ...string) string { return fs.wrapped.PathJoin(elem...) }

// PathDir returns all of path but its last element, as the wrapped FS
// does.
func (fs *FS) PathDir(path string) string { return fs.wrapped.PathDir(path) }
