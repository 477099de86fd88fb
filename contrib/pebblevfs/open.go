package pebblevfs

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Open opens the named file for reading. A table or blob file is opened
// with O_DIRECT and read through kernel AIO, with read-ahead from its first
// read if opts asks for sequential reads (vfs.SequentialReadsOption), unless
// its filesystem refuses O_DIRECT or Options.BufferedSequentialReads sends
// sequential reads to the page cache; everything else, and those, is opened
// by the wrapped FS.
func (fs *FS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	if !fs.gate.enter() {
		return nil, closedFSError("open", name)
	}
	defer fs.gate.leave()
	sequential := slices.Contains(opts, vfs.SequentialReadsOption)
	if !isTable(name) || sequential && fs.bufferedSequential {
		f, err := fs.wrapped.Open(name, opts...)
		return wrapFile(name, f, err)
	}
	af, err := fs.ctx.OpenFile(name, os.O_RDONLY, 0)
	if errors.Is(err, syscall.EINVAL) {
		fs.fallbackOpens.Add(1)
		f, err := fs.wrapped.Open(name, opts...)
		return wrapFile(name, f, err)
	}
	if err != nil {
		return nil, err
	}
	fs.directOpens.Add(1)
	file := &directFile{file: af, fs: &fs.gate}
	if fs.ra != nil {
		file.ra = fs.ra.file(af, sequential)
	}
	for _, opt := range opts {
		opt.Apply(file)
	}
	return file, nil
}

// isTable reports whether name is a table or a blob file, which Open reads
// directly.
func isTable(name string) bool {
	return strings.HasSuffix(name, ".sst") || strings.HasSuffix(name, ".blob")
}

// Create creates the named file, truncating it if it exists. A table or
// blob file is opened with O_DIRECT and written through kernel AIO with
// write-behind (see directWriter), unless Options.BufferedWrites says
// otherwise; a write-ahead log (".log") or MANIFEST is opened with O_DIRECT
// and synced with durable direct writes (see walFile), unless
// Options.BufferedWAL says otherwise. Everything else, and those whose filesystem refuses
// O_DIRECT, is created by the wrapped FS, and its pages leave the page
// cache when it is closed.
func (fs *FS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	if !fs.gate.enter() {
		return nil, closedFSError("create", name)
	}
	defer fs.gate.leave()
	if isTable(name) && !fs.bufferedWrites {
		af, err := fs.ctx.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
		if err == nil {
			fs.directCreates.Add(1)
			return newDirectWriter(af, &fs.gate), nil
		}
		if !errors.Is(err, syscall.EINVAL) {
			return nil, err
		}
		fs.fallbackOpens.Add(1)
	}
	if isLog(name) && !fs.bufferedWAL {
		f, err := fs.openWAL(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC)
		if f != nil || err != nil {
			return f, err
		}
	}
	f, err := fs.wrapped.Create(name, category)
	return wrapWrittenFile(name, f, err)
}

// isLog reports whether name is a log that Pebble appends records to and
// syncs: a write-ahead log (".log") or a MANIFEST, whose reader takes zeros
// after the last record for its end, as the write-ahead log's does.
func isLog(name string) bool {
	return strings.HasSuffix(name, ".log") || strings.HasPrefix(filepath.Base(name), "MANIFEST-")
}

// openWAL opens the log name with flag and O_DIRECT as a walFile. If its
// filesystem refuses O_DIRECT it returns neither a file nor an error, and
// the caller goes to the wrapped FS.
func (fs *FS) openWAL(name string, flag int) (vfs.File, error) {
	af, err := fs.ctx.OpenFile(name, flag, 0o666)
	if errors.Is(err, syscall.EINVAL) {
		fs.fallbackOpens.Add(1)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := newWALFile(af, &fs.gate)
	if err != nil {
		af.Close()
		return nil, err
	}
	fs.directCreates.Add(1)
	return f, nil
}

// OpenReadWrite opens the named file for reading and writing through the
// wrapped FS; its pages leave the page cache when it is closed.
func (fs *FS) OpenReadWrite(name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	if !fs.gate.enter() {
		return nil, closedFSError("open", name)
	}
	defer fs.gate.leave()
	f, err := fs.wrapped.OpenReadWrite(name, category, opts...)
	return wrapWrittenFile(name, f, err)
}

// ReuseForWrite renames oldname to newname and opens it for writing from
// its start. A write-ahead log (".log") is opened with O_DIRECT and synced
// with durable direct writes (see walFile), unless Options.BufferedWAL
// says otherwise or its filesystem refuses O_DIRECT; other files, and
// those, go through the wrapped FS, and their pages leave the page cache
// when they are closed.
func (fs *FS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	if !fs.gate.enter() {
		return nil, closedFSLinkError("reuse", oldname, newname)
	}
	defer fs.gate.leave()
	if isLog(newname) && !fs.bufferedWAL {
		if err := fs.wrapped.Rename(oldname, newname); err != nil {
			return nil, err
		}
		f, err := fs.openWAL(newname, os.O_RDWR|os.O_CREATE)
		if f != nil {
			fs.reusedLogs.Add(1)
		}
		if f != nil || err != nil {
			return f, err
		}
		// The filesystem refuses O_DIRECT: the wrapped FS reuses the
		// file, renamed already, as its own ReuseForWrite would.
		f, err = fs.wrapped.OpenReadWrite(newname, category)
		return wrapWrittenFile(newname, f, err)
	}
	f, err := fs.wrapped.ReuseForWrite(oldname, newname, category)
	return wrapWrittenFile(newname, f, err)
}

// OpenDir opens the named directory for syncing, through the wrapped FS.
func (fs *FS) OpenDir(name string) (vfs.File, error) {
	if !fs.gate.enter() {
		return nil, closedFSError("open", name)
	}
	defer fs.gate.leave()
	f, err := fs.wrapped.OpenDir(name)
	return wrapFile(name, f, err)
}
