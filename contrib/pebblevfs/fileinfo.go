package pebblevfs

import (
	"path/filepath"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// namedFileInfo is the vfs.FileInfo of an open file, from vfs.Default's
// Stat of its descriptor (/proc/self/fd/N), which gives the device as
// vfs.Default's files do, under the file's own base name, as they give it.
type namedFileInfo struct {
	vfs.FileInfo
	name string
}

func (fi namedFileInfo) Name() string { return filepath.Base(fi.name) }
