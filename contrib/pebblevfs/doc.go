// Package pebblevfs is a vfs.FS for Pebble (github.com/cockroachdb/pebble/v2)
// whose sstables and blob files are read and written through Linux kernel
// AIO (github.com/linuxaio/aio) with O_DIRECT, bypassing the page cache.
//
// # What goes where
//
// Point reads and short scans are what an LSM does most, and each reads a
// few blocks of a table at random. Through the page cache each costs a
// thread blocked in pread(2) on a miss and fills memory with pages the block
// cache already holds or will never want again. Here, Open of a table
// (".sst") or blob file (".blob") opens it with O_DIRECT on a shared
// aio.Context, and its ReadAt is one kernel AIO request that parks only the
// calling goroutine: many readers share a few threads. Pebble's block reads
// start and end anywhere, so they take the aio package's bounce path (the
// covering aligned range is read into pooled aligned memory and the part
// asked for copied out), which costs one copy of each block. Reads in order
// are read ahead (see Read-ahead).
//
// Create of a table or blob file, which flushes, compactions and ingestion
// write, opens it with O_DIRECT too, and its appends go through an
// aio.Writer: any length, gathered into 1 MiB chunks of which four are
// written behind the appends while Pebble goes on, from memory of the FS's
// (huge pages where the system has them). Sync and SyncData make everything
// written durable, with the file's exact size (the last block is written
// padded, then the file is truncated to its length, then fdatasync, or
// fsync for Sync); SyncTo, which Pebble calls every 512 KiB to spread the
// writeback of buffered files, has nothing to spread: the data is already
// being written. So tables are written without filling the page cache, and
// compactions do not evict what readers need.
//
// The logs, write-ahead logs (".log", created, or recycled through
// ReuseForWrite) and MANIFESTs, are opened with O_DIRECT too. Their appends
// gather in 1 MiB of the FS's memory, and each sync is one kernel AIO write
// of it, padded with zeros to whole blocks, with RWF_DSYNC: durable when it
// completes, with no fdatasync, and in a recycled log an overwrite of
// allocated blocks that needs no journal commit. Pebble's log readers take
// the zeros for the end of the log, as after preallocation (see walFile).
//
// Everything else is delegated to the wrapped FS (vfs.Default unless
// Options says otherwise), which must name the operating system's files
// (see Options.FS): every other file (OPTIONS, markers) and the files
// opened with OpenReadWrite or ReuseForWrite but logs, whose pages are
// dropped from the page cache (fadvise POSIX_FADV_DONTNEED) when they are
// closed; directories, locks, renames, links, removals and listings.
// Options.BufferedWrites and BufferedWAL send the tables' and the logs'
// writes there too.
//
// # Read-ahead
//
// O_DIRECT has no readahead, so the FS reads ahead itself, into memory of
// its own (at most Options.ReadaheadMemory, 32 MiB by default), for three
// kinds of reads:
//
//   - Tables opened with vfs.SequentialReadsOption, as compactions and file
//     copies open them: read ahead from the first read, up to 1 MiB in
//     requests of 256 KiB.
//   - Prefetch(off, length), which Pebble's iterators call when they read a
//     table in order: the range is read in the background and the ReadAts
//     in it take their bytes from there.
//   - Reads in order on any direct file, detected as the kernel detects them
//     on a buffered file (a read that starts where another ended), such as
//     Gets in key order: read ahead from the second such read, from 64 KiB
//     doubling to 256 KiB, for up to four such runs per file at once.
//
// Random reads start no read-ahead. Options.NoReadahead turns it off, and
// Options.BufferedSequentialReads sends sequential opens to the wrapped FS
// and the page cache instead, so that the effect of each can be measured.
//
// A table that cannot be opened with O_DIRECT (a filesystem without it) is
// opened through the wrapped FS instead, so the FS works everywhere and is
// direct where it can be.
//
// # The wrapped FS
//
// The direct opens are by path on the operating system's filesystem, so the
// wrapped FS must name the same files: vfs.Default, or an FS that wraps it
// and says so through Unwrap, as vfs.WithDiskHealthChecks and vfs.OnDiskFull
// do (a wrapper is trusted to pass paths through unchanged). New refuses any
// other FS, such as vfs.NewMem(), rather than write tables to one place and
// read them from another, or read every table through the wrapped FS and so
// be an FS that does nothing it is for. Direct reads do not go through the
// wrapper's files: a wrapper that watches or changes reads does not see
// them.
//
// # Alignment and memory
//
// Nothing is asked of the caller: reads of any length at any offset work.
// The block cache (Options.Cache) is the only cache of table data, so size
// it as the page cache would have been sized.
//
// # Configuring Pebble
//
// Set Options.MaxOpenFiles above the number of tables: a Get whose table
// is not open first opens it (open, statx, footer and index reads), which
// costs more here than through vfs.Default and, on a DB of more tables
// than the default 1,000, becomes what the reads spend their time on.
//
// # Closing
//
// Close the FS after the last DB that uses it. One rule holds for the FS
// and for every file it returns: once Close has begun, every method fails
// with an error matching os.ErrClosed (aio.ErrClosed matches it too), before
// it looks at its arguments, and never panics; a call that overlaps Close
// either completes before it or fails so. Close waits for the calls in
// progress, and a second or concurrent Close waits for the first and returns
// what it returned. The exceptions are the methods without an error: Fd,
// which returns vfs.InvalidFd, and the FS's path functions (PathBase,
// PathJoin, PathDir) and Unwrap, which keep working.
//
// Closing the FS closes its aio.Context, not the files it opened. The
// direct ones fail from then on, as their reads and writes need the
// Context, but keep their descriptors until they are closed, which they
// still must be; a table being written loses what it had not yet written,
// and its Close says so. The
// others are the wrapped FS's own files, which Close leaves alone: they
// work until they are closed.
//
// # Contexts
//
// One aio.Context serves every direct file of an FS; its MaxEvents bounds
// the reads in flight, and further reads wait for a slot. Set it to the
// reads you want at once on the device (Options.MaxEvents, 1024 by
// default); an FS per device keeps devices from sharing the bound.
package pebblevfs
