package pebblevfs

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/linuxaio/aio"
)

// walBuffer is the memory of a walFile: the log's bytes since its last
// whole block on the file. Pebble syncs far more often than every walBuffer
// bytes; a longer stretch is written out in whole blocks as it fills.
const walBuffer = 1 << 20

// A walFile is a write-ahead log (".log"), created or recycled, or a
// MANIFEST, opened with O_DIRECT: Pebble appends records of any length and
// syncs after each group of commits (or each version edit). Its memory
// holds the log from the start of the block that the last sync left partly
// written: base is that block's offset, and buf[:n] the bytes from there.
//
// A sync is one kernel AIO write of buf rounded up to whole blocks, zeros
// after the log's end, with RWF_DSYNC (aio.FlagDSync): durable when it
// completes, without fdatasync. In a recycled log, which Pebble reuses once
// its records are in tables, the write overwrites blocks that are allocated
// and written, so it needs no journal commit: one write with FUA, or a
// cache flush, per group commit. In a new log each sync also makes the
// grown size durable, as fdatasync would. The zeros past the end are what
// Pebble's log reader takes for the end of a log (a zeroed chunk, as after
// preallocation), and a recycled log's older records are told apart by
// their log number, as in a buffered log.
//
// The file's size follows the padded writes, so Close truncates a log that
// grew to its exact length; a recycled log keeps its length if that is
// longer, as a buffered one does. Stat reports the length the log has as
// written (the larger of its length at open and what was written).
//
// Its calls follow outFile's protocol, one at a time.
type walFile struct {
	outFile
	align    int64
	buf      []byte // aligned, walBuffer bytes; buf[n:] is zero
	base     int64  // the file offset of buf[0], aligned
	n        int    // bytes of the log in buf
	openSize int64  // the file's length when it was opened
	onFile   int64  // the file's length as the padded writes left it
	// synced is the log's length at the last sync; unsynced says whether
	// blocks were written since without RWF_DSYNC (by spill, or a flush
	// without it), and so may sit in the device's volatile cache.
	synced   int64
	unsynced bool
	err      error // the first write error, returned from then on
}

var _ vfs.File = (*walFile)(nil)

// newWALFile returns the walFile of f, opened for writing from its start
// (created, truncated, or recycled: its old contents stay beyond what is
// written).
func newWALFile(f *aio.File, fs *gate) (*walFile, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	_, align := f.Alignment()
	if align <= 0 || walBuffer%align != 0 {
		return nil, fmt.Errorf("pebblevfs: %s needs writes aligned to %d bytes, which a log of %d-byte buffers cannot do", f.Name(), align, walBuffer)
	}
	return &walFile{
		outFile:  outFile{file: f, fs: fs, what: "a log (a write-ahead log or a MANIFEST)"},
		align:    int64(align),
		buf:      aio.AlignedBytes(walBuffer),
		openSize: fi.Size(),
		onFile:   fi.Size(),
	}, nil
}

// length returns the log's length as written: the larger of what it had at
// open and the end of what was written.
func (f *walFile) length() int64 { return max(f.openSize, f.base+int64(f.n)) }

// Write appends p to the log's memory, writing out the whole blocks before
// the last when it is full; it does not wait for the device otherwise.
func (f *walFile) Write(p []byte) (int, error) {
	if err := f.enter("write"); err != nil {
		return 0, err
	}
	defer f.leave()
	written := 0
	for len(p) > 0 {
		if f.err != nil {
			return written, f.err
		}
		if f.n == len(f.buf) {
			if err := f.spill(); err != nil {
				return written, err
			}
		}
		c := copy(f.buf[f.n:], p)
		f.n += c
		written += c
		p = p[c:]
	}
	return written, nil
}

// spill writes the whole blocks of the memory, all but the partial last
// one, without waiting for them to be durable, and keeps that last one.
func (f *walFile) spill() error {
	whole := int(int64(f.n) / f.align * f.align)
	if whole == 0 {
		return nil
	}
	if err := f.write(f.buf[:whole], 0); err != nil {
		return err
	}
	f.unsynced = true
	f.keepTail(whole)
	return nil
}

// keepTail moves the bytes from whole on to the front of the memory, whole
// being the length of the blocks written before them, and clears the rest.
func (f *walFile) keepTail(whole int) {
	tail := copy(f.buf, f.buf[whole:f.n])
	clear(f.buf[tail:f.n])
	f.base += int64(whole)
	f.n = tail
}

// write writes b, whole blocks from base, with flags; an error is kept and
// returned by every later call.
func (f *walFile) write(b []byte, flags aio.Flags) error {
	if _, err := f.file.WriteAtContext(context.Background(), b, f.base, flags); err != nil {
		f.err = fmt.Errorf("pebblevfs: log %s from offset %d: %w", f.file.Name(), f.base, err)
		return f.err
	}
	f.onFile = max(f.onFile, f.base+int64(len(b)))
	return nil
}

// flush writes the memory, padded with zeros to whole blocks, with flags,
// and keeps the partial last block for the writes that follow.
func (f *walFile) flush(flags aio.Flags) error {
	if f.err != nil {
		return f.err
	}
	if f.n == 0 {
		return nil
	}
	padded := int((int64(f.n) + f.align - 1) / f.align * f.align)
	if err := f.write(f.buf[:padded], flags); err != nil {
		return err
	}
	if flags&aio.FlagDSync == 0 {
		f.unsynced = true
	}
	f.keepTail(int(int64(f.n) / f.align * f.align))
	return nil
}

// SyncData makes everything written durable: one write with RWF_DSYNC.
func (f *walFile) SyncData() error {
	if err := f.enter("syncdata"); err != nil {
		return err
	}
	defer f.leave()
	return f.sync()
}

// sync is SyncData's work. Usually it is one write of the memory with
// RWF_DSYNC. But RWF_DSYNC makes only its own write durable (as a FUA
// write, where the device has it), so when blocks were written without it
// since the last sync, the memory is written plainly and fdatasync flushes
// the device's cache for all of them.
func (f *walFile) sync() error {
	end := f.base + int64(f.n)
	switch {
	case f.err != nil:
		return f.err
	case end == f.synced && !f.unsynced:
		return nil
	case f.unsynced:
		if err := f.flush(0); err != nil {
			return err
		}
		if err := f.file.Datasync(); err != nil {
			f.err = fmt.Errorf("pebblevfs: log %s: %w", f.file.Name(), err)
			return f.err
		}
	default:
		if err := f.flush(aio.FlagDSync); err != nil {
			return err
		}
	}
	f.synced, f.unsynced = end, false
	return nil
}

// Sync is SyncData: the log's other metadata (times) does not matter to
// Pebble's recovery, and RWF_DSYNC makes the size durable.
func (f *walFile) Sync() error {
	if err := f.enter("sync"); err != nil {
		return err
	}
	defer f.leave()
	return f.sync()
}

// SyncTo writes out the whole blocks of the first length bytes that are
// still in memory, without waiting for durability, as vfs.File's SyncTo
// does when it returns false.
func (f *walFile) SyncTo(length int64) (fullSync bool, err error) {
	if err := f.enter("syncto"); err != nil {
		return false, err
	}
	defer f.leave()
	if length > f.base && f.err == nil {
		return false, f.spill()
	}
	return false, f.err
}

// Close writes what is left (not durably: Pebble syncs first when it wants
// that), truncates a log that grew past its length to that length, and
// closes the file once; every call returns the first one's result.
func (f *walFile) Close() error {
	return f.gate.close(func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		err := f.flush(0)
		if err == nil && f.onFile > f.length() {
			err = f.file.Truncate(f.length())
		}
		if cerr := f.file.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// ReadAt writes what is in memory, then reads the log as written.
func (f *walFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.enter("read"); err != nil {
		return 0, err
	}
	defer f.leave()
	if off < 0 {
		return 0, &os.PathError{Op: "read", Path: f.file.Name(), Err: fmt.Errorf("negative offset %d", off)}
	}
	if err := f.flush(0); err != nil {
		return 0, err
	}
	want := len(p)
	if end := f.length(); off+int64(want) > end {
		want = int(max(0, end-off))
	}
	n, err := f.file.ReadAt(p[:want], off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

// Stat returns the FileInfo of the descriptor, with the log's length as
// written.
func (f *walFile) Stat() (vfs.FileInfo, error) {
	if err := f.enter("stat"); err != nil {
		return nil, err
	}
	defer f.leave()
	fi, err := statDescriptor(f.file)
	if err != nil {
		return nil, err
	}
	return sizedFileInfo{fi, f.length()}, nil
}

// sizedFileInfo is a FileInfo with another size.
type sizedFileInfo struct {
	vfs.FileInfo
	size int64
}

func (fi sizedFileInfo) Size() int64 { return fi.size }
