package pebblevfs

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/linuxaio/aio"
)

// Options configures an FS. The zero value, or nil, is the default.
type Options struct {
	// MaxEvents is the number of direct reads the FS keeps in flight at
	// once (the aio.Context's MaxEvents); further reads wait for a slot.
	// Default 1024.
	MaxEvents int
	// FS is the FS that everything but the reads of tables and blob files
	// goes to. Default vfs.Default.
	FS vfs.FS
}

// defaultMaxEvents is Options.MaxEvents when it is 0: more reads than a
// process usually has goroutines reading, within the default system-wide
// limit of events (fs.aio-max-nr, 65536).
const defaultMaxEvents = 1024

// An FS is a vfs.FS whose tables and blob files are read with O_DIRECT
// through kernel AIO (see the package documentation). It is safe for
// concurrent use. Close it after the last DB that uses it is closed.
type FS struct {
	vfs.FS
	ctx *aio.Context

	// directOpens counts the files opened for direct reads, fallbackOpens
	// the tables and blob files whose filesystem refused O_DIRECT.
	directOpens, fallbackOpens atomic.Int64
}

var _ vfs.FS = (*FS)(nil)

// New returns an FS with its own aio.Context.
func New(opts *Options) (*FS, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxEvents < 0 {
		return nil, fmt.Errorf("pebblevfs: Options.MaxEvents is %d: want 0 for the default (%d) or the number of reads to keep in flight", o.MaxEvents, defaultMaxEvents)
	}
	if o.MaxEvents == 0 {
		o.MaxEvents = defaultMaxEvents
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	ctx, err := aio.NewContext(o.MaxEvents)
	if err != nil {
		return nil, fmt.Errorf("pebblevfs: %w", err)
	}
	return &FS{FS: o.FS, ctx: ctx}, nil
}

// Close releases the FS's aio.Context. It waits for reads in flight; reads
// of files that are still open fail with aio.ErrClosed afterwards.
func (fs *FS) Close() error { return fs.ctx.Close() }

// Open opens the named file for reading. A table or blob file is opened
// with O_DIRECT and read through kernel AIO, unless opts asks for
// sequential reads (vfs.SequentialReadsOption), which want the page cache's
// readahead, or its filesystem refuses O_DIRECT; everything else, and those,
// is opened by the wrapped FS.
func (fs *FS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	if !readsDirect(name, opts) {
		return fs.FS.Open(name, opts...)
	}
	f, err := fs.ctx.OpenFile(name, os.O_RDONLY, 0)
	if errors.Is(err, syscall.EINVAL) {
		fs.fallbackOpens.Add(1)
		return fs.FS.Open(name, opts...)
	}
	if err != nil {
		return nil, err
	}
	fs.directOpens.Add(1)
	file := &directFile{File: f}
	for _, opt := range opts {
		opt.Apply(file)
	}
	return file, nil
}

// readsDirect reports whether Open of name with opts goes through aio.
func readsDirect(name string, opts []vfs.OpenOption) bool {
	if !strings.HasSuffix(name, ".sst") && !strings.HasSuffix(name, ".blob") {
		return false
	}
	for _, opt := range opts {
		if opt == vfs.SequentialReadsOption {
			return false
		}
	}
	return true
}

// Create creates the named file through the wrapped FS; its pages leave
// the page cache when it is closed.
func (fs *FS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	return writtenFile(f), err
}

// OpenReadWrite opens the named file for reading and writing through the
// wrapped FS; its pages leave the page cache when it is closed.
func (fs *FS) OpenReadWrite(name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, category, opts...)
	return writtenFile(f), err
}

// ReuseForWrite renames oldname to newname and opens it for writing through
// the wrapped FS; its pages leave the page cache when it is closed.
func (fs *FS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, category)
	return writtenFile(f), err
}

// Unwrap returns the wrapped FS.
func (fs *FS) Unwrap() vfs.FS { return fs.FS }
