package pebblevfs

import (
	"fmt"
	"strconv"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/linuxaio/aio"
)

// writeChunk and writeDepth are the stream options of a directWriter: four
// requests of 1 MiB in flight behind the writer, in memory that NewBuf
// backs with huge pages.
const (
	writeChunk = 1 << 20
	writeDepth = 4
)

// A directWriter is a table or blob file created with O_DIRECT: Pebble
// writes it in order and from the start, in appends of any length, and the
// appends go through an aio.Writer, which keeps writeDepth chunks of
// writeChunk bytes being written behind them. The file's size is exactly
// what was written once Sync, SyncData, Flush-like calls (Stat, ReadAt,
// SyncTo past what is being written) or Close have run; in between, the
// last block is written padded.
//
// Durability is what Pebble asks for: Sync and SyncData make everything
// written durable, the size included (aio.Writer.Sync: the padded last
// block, the truncation to the exact length, fdatasync; Sync adds an
// fsync); SyncTo(length) promises, as vfs.File says, only that the prefix is
// being written, which every chunk but the one being filled already is.
//
// Its calls follow outFile's protocol, which keeps them one at a time, as
// the Writer needs.
type directWriter struct {
	outFile
	w       *aio.Writer
	written int64 // bytes written through Write
}

var _ vfs.File = (*directWriter)(nil)

func newDirectWriter(f *aio.File, fs *gate) *directWriter {
	return &directWriter{
		outFile: outFile{file: f, fs: fs, what: "a table or blob file created through the FS"},
		w:       aio.NewWriter(f, 0, &aio.StreamOptions{ChunkSize: writeChunk, Depth: writeDepth}),
	}
}

// Close writes what is left, with the file's exact size, and closes the
// file once; every call returns the first one's result once it is known.
// It does not make the data durable: Pebble calls Sync first when it wants
// that.
func (f *directWriter) Close() error {
	return f.gate.close(func() error {
		err := f.w.Close()
		if cerr := f.file.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// Write appends p; the call returns once p is in the Writer's memory, or
// written, and p is the caller's again.
func (f *directWriter) Write(p []byte) (int, error) {
	if err := f.enter("write"); err != nil {
		return 0, err
	}
	defer f.leave()
	n, err := f.w.Write(p)
	f.written += int64(n)
	return n, err
}

// ReadAt writes what is left, so that the file holds all that was written,
// then reads from it through kernel AIO.
func (f *directWriter) ReadAt(p []byte, off int64) (int, error) {
	if err := f.enter("read"); err != nil {
		return 0, err
	}
	defer f.leave()
	if err := f.w.Flush(); err != nil {
		return 0, err
	}
	return f.file.ReadAt(p, off)
}

// Stat writes what is left, so that the size is what was written, and
// returns the FileInfo of the descriptor, with its device, as vfs.Default's
// files do.
func (f *directWriter) Stat() (vfs.FileInfo, error) {
	if err := f.enter("stat"); err != nil {
		return nil, err
	}
	defer f.leave()
	if err := f.w.Flush(); err != nil {
		return nil, err
	}
	return statDescriptor(f.file)
}

// Sync makes everything written durable, with the file's size and its
// other metadata: aio.Writer.Flush, then one fsync, which covers what
// SyncData's fdatasync would.
func (f *directWriter) Sync() error {
	if err := f.enter("sync"); err != nil {
		return err
	}
	defer f.leave()
	if err := f.w.Flush(); err != nil {
		return err
	}
	return f.file.Sync()
}

// SyncData makes everything written durable, with the file's size
// (aio.Writer.Sync).
func (f *directWriter) SyncData() error {
	if err := f.enter("syncdata"); err != nil {
		return err
	}
	defer f.leave()
	return f.w.Sync()
}

// SyncTo has the first length bytes written, without waiting for them and
// with no promise of durability, as vfs.File's SyncTo does when it returns
// false: all but the chunk being filled, at most the last writeChunk bytes,
// is already being written, and if length reaches into those, they are
// written too (Flush). Pebble asks for what is 1 MiB behind its writes.
func (f *directWriter) SyncTo(length int64) (fullSync bool, err error) {
	if err := f.enter("syncto"); err != nil {
		return false, err
	}
	defer f.leave()
	if length > f.written-writeChunk {
		return false, f.w.Flush()
	}
	return false, nil
}

// statDescriptor returns the FileInfo of an open aio.File, through
// vfs.Default's Stat of its descriptor, under the file's own name. The
// caller holds the file open.
func statDescriptor(file *aio.File) (vfs.FileInfo, error) {
	fd := file.Fd()
	if fd == ^uintptr(0) {
		return nil, closedFileError("stat", file.Name())
	}
	fi, err := vfs.Default.Stat("/proc/self/fd/" + strconv.FormatUint(uint64(fd), 10))
	if err != nil {
		return nil, fmt.Errorf("pebblevfs: stat %s: %w", file.Name(), err)
	}
	return namedFileInfo{fi, file.Name()}, nil
}
