package aio

import (
	"errors"
	"fmt"
	"os"
)

// StreamOptions set how a Reader or a Writer moves a file's data: in
// requests of ChunkSize bytes, Depth of them in flight at once. A nil
// *StreamOptions means the defaults.
type StreamOptions struct {
	ChunkSize int   // bytes per request, a multiple of the File's alignment; default 1 MiB
	Depth     int   // requests in flight; default 4
	Flags     Flags // request flags for every request (priority, FlagDSync, FlagDontCache, ...)
}

// errInvalidWrite is the error of an io.Writer that says it wrote more
// than it was given, or less than nothing.
var errInvalidWrite = errors.New("aio: an io.Writer returned an impossible count")

const (
	defaultChunkSize = 1 << 20
	defaultDepth     = 4
	maxStreamDepth   = 1024
	// hugeStreamMemory is where a stream's memory starts to come from
	// NewBuf, which asks for huge pages, rather than from the garbage
	// collected heap.
	hugeStreamMemory = 2 << 20
)

// streamConfig is a stream's options with the defaults filled in and
// checked against its File.
type streamConfig struct {
	chunk, depth int
	flags        Flags
	align        int // of offsets and lengths
}

// resolve checks o for the File f, naming the stream what.
func (o *StreamOptions) resolve(f *File, what string) (streamConfig, error) {
	var opts StreamOptions
	if o != nil {
		opts = *o
	}
	if f == nil {
		return streamConfig{}, fmt.Errorf("aio: %s: the File is nil", what)
	}
	_, align := f.Alignment()
	cfg := streamConfig{chunk: opts.ChunkSize, depth: opts.Depth, flags: opts.Flags, align: max(align, 1)}
	switch {
	case cfg.chunk == 0:
		cfg.chunk = max(defaultChunkSize, cfg.align)
	case cfg.chunk < 0 || cfg.chunk%cfg.align != 0:
		return cfg, fmt.Errorf("aio: %s: ChunkSize %d is not a positive multiple of %d bytes, the alignment O_DIRECT requires of %s; use a multiple such as %d, or 0 for the default of 1 MiB",
			what, opts.ChunkSize, cfg.align, f.name, max(cfg.align, (opts.ChunkSize/cfg.align)*cfg.align))
	}
	switch {
	case cfg.depth == 0:
		cfg.depth = defaultDepth
	case cfg.depth < 0 || cfg.depth > maxStreamDepth:
		return cfg, fmt.Errorf("aio: %s: Depth %d is out of range: it must be between 1 and %d, or 0 for the default of %d", what, opts.Depth, maxStreamDepth, defaultDepth)
	}
	if int64(cfg.chunk)*int64(cfg.depth) > 1<<40 {
		return cfg, fmt.Errorf("aio: %s: ChunkSize %d × Depth %d is more memory than a stream may take", what, cfg.chunk, cfg.depth)
	}
	return cfg, nil
}

// streamMemory is the memory of a stream's requests: depth buffers of
// chunk bytes, each page-aligned.
type streamMemory struct {
	bufs [][]byte
	mem  *Buf // nil when the memory is the garbage collector's
}

// allocate makes the buffers. Memory of hugeStreamMemory or more comes
// from NewBuf, which asks for huge pages, so that large requests reach the
// device whole; less comes from the heap.
func (m *streamMemory) allocate(cfg streamConfig) error {
	stride := (cfg.chunk + os.Getpagesize() - 1) &^ (os.Getpagesize() - 1)
	total := stride * cfg.depth
	var all []byte
	if total >= hugeStreamMemory {
		b, err := NewBuf(total)
		if err != nil {
			return err
		}
		m.mem, all = b, b.Bytes()
	} else {
		all = AlignedBytes(total)
	}
	m.bufs = make([][]byte, cfg.depth)
	for i := range m.bufs {
		m.bufs[i] = all[i*stride : i*stride+cfg.chunk : i*stride+cfg.chunk]
	}
	return nil
}

// free gives the memory back. No request may use it any more.
func (m *streamMemory) free() error {
	m.bufs = nil
	if m.mem == nil {
		return nil
	}
	err := m.mem.Free()
	m.mem = nil
	return err
}

// A StreamError is the error of a Reader or a Writer: the operation, the
// file, the offset in it from which the data was not read (Reader) or is
// not on the file (Writer), and the cause. Every later call of the stream
// returns it again.
type StreamError struct {
	Op     string // "read" or "write"
	Path   string
	Offset int64
	Err    error
}

func (e *StreamError) Error() string {
	what := "not read"
	if e.Op == "write" {
		what = "not on the file"
	}
	return fmt.Sprintf("%s %s: the data from offset %d on is %s: %v", e.Op, e.Path, e.Offset, what, e.Err)
}

func (e *StreamError) Unwrap() error { return e.Err }

// streamError makes the StreamError of err, which may already name the
// file.
func streamError(op string, f *File, off int64, err error) error {
	var se *StreamError
	if errors.As(err, &se) {
		return err
	}
	var pe *os.PathError
	if errors.As(err, &pe) && pe.Path == f.name {
		err = pe.Err
	}
	return &StreamError{Op: op, Path: f.name, Offset: off, Err: err}
}
