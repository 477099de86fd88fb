package wal

import (
	"errors"
	"fmt"
	"os"

	"github.com/linuxaio/aio"
)

// Options configure a Log or a GroupCommitLog. A nil *Options, and each
// field left zero, gives the default.
type Options struct {
	// Context is the Context a Log submits through, shared with the
	// program's other I/O; nil makes the Log one of its own, which Close
	// closes. A GroupCommitLog does not use it.
	Context *aio.Context
	// MaxRecordSize is the largest record Append accepts: 1 MiB by
	// default, at most 1 GiB − 1.
	MaxRecordSize int
	// BlockSize is the unit of the log's writes, a power of two from 512
	// to 1 MiB and a multiple of the file's O_DIRECT alignment: by default
	// 4096, or the alignment if that is larger. An existing log keeps the
	// block size it was made with; another one here is an error.
	BlockSize int
	// MaxInFlight is how many writes a Log keeps in flight at once, each of
	// one block or of a run of adjacent blocks. By default it is 64, or 1
	// where the file's device has a volatile write cache and no FUA
	// (queue/write_cache "write back", queue/fua 0 in sysfs): there the
	// kernel follows every durable write with a flush of the device's whole
	// cache, and one write at a time, of every block that has filled
	// meanwhile, commits the most per flush. A GroupCommitLog has one write
	// in flight.
	MaxInFlight int
	// Preallocate is how far ahead of the end of the log the file is
	// written with zeroes, so that every write of a record overwrites
	// blocks that are already allocated and written: such a write needs no
	// change to the filesystem's metadata, and its durability costs one
	// FUA write or cache flush rather than a journal commit. 64 MiB by
	// default; it is rounded up to whole blocks. Open zeroes what is
	// missing at once; later a Log zeroes in the background, paced so
	// that its own writes keep most of the device, and a GroupCommitLog
	// through the page cache. The zeroes cost the device as much as the
	// records do: a program that knows how large its log will grow and
	// wants the lowest tail latency gives that here, and pays for it at
	// Open.
	Preallocate int64
}

const (
	defaultMaxRecordSize = 1 << 20
	defaultBlockSize     = 4096
	defaultMaxInFlight   = 64
	flushMaxInFlight     = 1
	defaultPreallocate   = 64 << 20

	minBlockSize = 512
	maxBlockSize = 1 << 20
)

// Errors that the logs return; they are wrapped with details, so test them
// with errors.Is.
var (
	// ErrClosed is returned by Append and Replay once Close has been
	// called, whatever their arguments (see Log.Close). errors.Is(err,
	// os.ErrClosed) holds for it too.
	ErrClosed = fmt.Errorf("wal: log closed: %w", os.ErrClosed)
	// ErrTooLarge is returned by Append for a record over MaxRecordSize.
	ErrTooLarge = errors.New("wal: record too large")
	// ErrCorrupt is returned by Open for a file that is not a log or whose
	// header is damaged. A torn tail is not corruption: Open cuts it off.
	ErrCorrupt = errors.New("wal: not a valid log")
	// ErrLocked is returned by Open for a log that is open elsewhere, in
	// this process or another: its file is locked (flock(2)) by the Log or
	// GroupCommitLog that has it open, until that one's Close.
	ErrLocked = errors.New("wal: the log is open elsewhere")
)

// settings are Options with the defaults filled in.
type settings struct {
	ctx           *aio.Context
	maxRecordSize int
	blockSize     int // 0: the default for the file
	maxInFlight   int
	preallocate   int64
}

// settle checks o and fills in the defaults.
func (o *Options) settle() (settings, error) {
	var s settings
	if o != nil {
		s = settings{o.Context, o.MaxRecordSize, o.BlockSize, o.MaxInFlight, o.Preallocate}
	}
	switch {
	case s.maxRecordSize < 0 || s.maxRecordSize > maxPayload:
		return s, fmt.Errorf("wal: MaxRecordSize %d: want 0 (1 MiB) up to %d", s.maxRecordSize, maxPayload)
	case s.blockSize != 0 && (s.blockSize < minBlockSize || s.blockSize > maxBlockSize || s.blockSize&(s.blockSize-1) != 0):
		return s, fmt.Errorf("wal: BlockSize %d: want 0 (the default) or a power of two from %d to %d", s.blockSize, minBlockSize, maxBlockSize)
	case s.maxInFlight < 0:
		return s, fmt.Errorf("wal: MaxInFlight %d: want 0 (%d) or more", s.maxInFlight, defaultMaxInFlight)
	case s.preallocate < 0:
		return s, fmt.Errorf("wal: Preallocate %d: want 0 (64 MiB) or more bytes", s.preallocate)
	}
	if s.maxRecordSize == 0 {
		s.maxRecordSize = defaultMaxRecordSize
	}
	if s.preallocate == 0 {
		s.preallocate = defaultPreallocate
	}
	return s, nil
}

// chooseBlockSize returns the block size of a new log on a file whose
// O_DIRECT alignment is align.
func (s settings) chooseBlockSize(align int) (int, error) {
	bs := s.blockSize
	if bs == 0 {
		bs = max(defaultBlockSize, align)
	}
	if bs%align != 0 {
		return 0, fmt.Errorf("wal: BlockSize %d is not a multiple of the file's O_DIRECT alignment, %d bytes", bs, align)
	}
	return bs, nil
}

// checkAppend says what is wrong with appending record to a log whose
// records may have up to max bytes, and that is closed if closed is set: a
// closed log takes no record, whatever the record.
func checkAppend(closed bool, record []byte, max int) error {
	switch {
	case closed:
		return ErrClosed
	case len(record) > max:
		return fmt.Errorf("%w: %d bytes, over the log's MaxRecordSize of %d", ErrTooLarge, len(record), max)
	}
	return nil
}
