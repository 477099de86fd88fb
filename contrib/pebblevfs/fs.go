package pebblevfs

import (
	"fmt"
	"sync/atomic"

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
	// goes to. Default vfs.Default. Tables and blob files are opened by
	// their paths on the operating system's filesystem, so FS must name
	// the same files: it must be vfs.Default or wrap it, following Unwrap
	// (as vfs.WithDiskHealthChecks and vfs.OnDiskFull do). New refuses
	// any other FS, such as vfs.NewMem().
	FS vfs.FS

	// ReadaheadMemory is the most memory, in bytes, that the FS holds in
	// data read ahead for its direct files (see "Read-ahead" in the package
	// documentation). Default 32 MiB.
	ReadaheadMemory int
	// NoReadahead turns read-ahead off: direct files read what is asked
	// and no more, Prefetch does nothing, and a table opened with
	// vfs.SequentialReadsOption reads each block with a request of its own
	// (unless BufferedSequentialReads sends it to the wrapped FS).
	NoReadahead bool
	// BufferedWrites sends the creation of tables and blob files (by
	// flushes, compactions and ingestion) to the wrapped FS, whose writes
	// go through the page cache, instead of writing them with O_DIRECT
	// through kernel AIO with write-behind.
	BufferedWrites bool
	// BufferedWAL sends the logs, write-ahead logs (".log", created or
	// recycled) and MANIFESTs, to the wrapped FS, whose writes go through
	// the page cache and whose syncs are fdatasync, instead of syncing them
	// with one durable direct write each.
	BufferedWAL bool
	// BufferedSequentialReads sends the opens of tables and blob files
	// with vfs.SequentialReadsOption (compactions, copies) to the wrapped
	// FS, whose reads go through the page cache and its readahead, instead
	// of reading them directly with read-ahead.
	BufferedSequentialReads bool
}

// defaultMaxEvents is Options.MaxEvents when it is 0: more reads than a
// process usually has goroutines reading, within the default system-wide
// limit of events (fs.aio-max-nr, 65536).
const defaultMaxEvents = 1024

// An FS is a vfs.FS whose tables and blob files are read with O_DIRECT
// through kernel AIO (see the package documentation). It is safe for
// concurrent use. Close it after the last DB that uses it is closed.
type FS struct {
	// wrapped is a field, not embedded, so that every method of FS is its
	// own and keeps the rule of Close (see gate).
	wrapped vfs.FS
	ctx     *aio.Context
	gate    gate

	ra                 *readahead // nil with Options.NoReadahead
	bufferedSequential bool
	bufferedWrites     bool
	bufferedWAL        bool

	// directOpens counts the files opened for direct reads, directCreates
	// those created for direct writes, fallbackOpens the tables and blob
	// files whose filesystem refused O_DIRECT.
	directOpens, directCreates, fallbackOpens atomic.Int64
	// reusedLogs counts the logs recycled as direct logs.
	reusedLogs atomic.Int64
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
	if o.ReadaheadMemory < 0 {
		return nil, fmt.Errorf("pebblevfs: Options.ReadaheadMemory is %d: want 0 for the default (%d MiB), or bytes; NoReadahead turns read-ahead off", o.ReadaheadMemory, defaultReadaheadMemory>>20)
	}
	if o.ReadaheadMemory == 0 {
		o.ReadaheadMemory = defaultReadaheadMemory
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if err := checkOSFS(o.FS); err != nil {
		return nil, err
	}
	ctx, err := aio.NewContext(o.MaxEvents)
	if err != nil {
		return nil, fmt.Errorf("pebblevfs: %w", err)
	}
	fs := &FS{wrapped: o.FS, ctx: ctx, bufferedSequential: o.BufferedSequentialReads, bufferedWrites: o.BufferedWrites, bufferedWAL: o.BufferedWAL}
	if !o.NoReadahead {
		fs.ra = newReadahead(int64(o.ReadaheadMemory))
	}
	return fs, nil
}

// Close waits for the FS's calls in progress and releases its
// aio.Context, which waits for the reads in flight.
//
// Once Close has begun, every method of the FS returns an error matching
// os.ErrClosed (as aio.ErrClosed does) before it looks at its arguments,
// except those without an error, which keep working: PathBase, PathJoin,
// PathDir and Unwrap. A call that overlaps Close either completes before
// Close releases the Context or fails so. Close itself, called again or
// concurrently, waits for the first call and returns what it returned.
// The files the FS returns follow the same rule for their own Close.
//
// Of the files the FS has opened and not closed, the direct ones (tables
// and blob files opened for reading, or created) fail with os.ErrClosed
// from then on, since their reads and writes need the Context, though they
// keep their descriptors until they are closed; close them all the same. A
// created one loses what it had not yet written, and its Close returns an
// error. The others are the
// wrapped FS's files, which Close does not close (the FS does not own the
// wrapped FS), and keep working until they are closed.
func (fs *FS) Close() error { return fs.gate.close(fs.ctx.Close) }

// Unwrap returns the wrapped FS, also after Close.
func (fs *FS) Unwrap() vfs.FS { return fs.wrapped }
