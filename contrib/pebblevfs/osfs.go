package pebblevfs

import (
	"fmt"
	"reflect"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// maxUnwraps bounds the Unwrap chain that checkOSFS follows, so that an FS
// that unwraps to itself fails New instead of hanging it.
const maxUnwraps = 100

// checkOSFS returns an error unless fs names the operating system's files
// by their paths: unless it is vfs.Default, or unwraps to it. The FS opens
// tables and blob files by their paths with O_DIRECT, so with any other
// FS it would write a table to one place and read it from another.
//
// A wrapper is trusted to pass paths through unchanged, as Pebble's own
// wrappers (vfs.WithDiskHealthChecks, vfs.OnDiskFull) do. Routing every
// call through a wrapped FS that is not the operating system's, instead of
// refusing it, would leave an FS that quietly reads nothing directly, which
// is all it is for.
func checkOSFS(fs vfs.FS) error {
	// The FSes are told apart by depth, not compared with each other: ==
	// panics on two values of one type that is not comparable. (Comparing
	// with vfs.Default cannot, since its type is comparable.)
	cur := fs
	for depth := range maxUnwraps {
		what := fmt.Sprintf("is a %T", fs)
		if depth > 0 {
			what = fmt.Sprintf("is a %T that wraps a %T", fs, cur)
		}
		if v := reflect.ValueOf(cur); v.Kind() == reflect.Pointer && v.IsNil() {
			return fmt.Errorf("pebblevfs: Options.FS %s that is nil: want vfs.Default, an FS that wraps it, or nil for vfs.Default", what)
		}
		if cur == vfs.Default {
			return nil
		}
		next := cur.Unwrap()
		if next == nil {
			return notOSFSError(what)
		}
		cur = next
	}
	return fmt.Errorf("pebblevfs: Options.FS (a %T) still wraps another FS after %d calls of Unwrap: want vfs.Default or an FS that wraps it", fs, maxUnwraps)
}

// notOSFSError says why New refuses an FS, which what describes.
func notOSFSError(what string) error {
	return fmt.Errorf("pebblevfs: Options.FS %s, whose files are not the operating system's: "+
		"the FS opens tables and blob files by their paths with O_DIRECT, so Options.FS must be vfs.Default "+
		"or an FS whose Unwrap leads to it (such as those of vfs.WithDiskHealthChecks and vfs.OnDiskFull); "+
		"use one of those, or Options.FS itself without pebblevfs", what)
}
