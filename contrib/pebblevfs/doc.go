// Package pebblevfs is a vfs.FS for Pebble (github.com/cockroachdb/pebble/v2)
// whose sstable and blob-file reads go through Linux kernel AIO
// (github.com/linuxaio/aio) with O_DIRECT, bypassing the page cache.
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
// asked for copied out), which costs one copy of each block.
//
// Everything else is delegated to the wrapped FS (vfs.Default unless
// Options says otherwise):
//
//   - Writes. Pebble writes every file as a sequence of appends of any
//     length, with Sync, SyncData and SyncTo (sync_file_range) in between,
//     then reads a table only once it is finished and synced. Buffered
//     writes give that pattern what it needs (any length, writeback in the
//     background, a final size that is exactly what was written) and are
//     coherent with the direct reads that follow, since an O_DIRECT read
//     writes back any dirty page in its range first. An aligned write
//     buffer with a padded tail would move the copy into Go and the
//     truncation of the padding into every Sync, for writes that are not
//     what limits a read-heavy engine. When a file written through the FS is
//     closed, its pages are dropped from the page cache (fadvise
//     POSIX_FADV_DONTNEED), since its reads will not use them.
//   - Opens with vfs.SequentialReadsOption, which Pebble uses for
//     compactions and file copies: those reads want the kernel's readahead,
//     which O_DIRECT has none of.
//   - Every other file (WAL, MANIFEST, OPTIONS, markers), directories,
//     locks, renames, links, removals and listings.
//
// A table that cannot be opened with O_DIRECT (a filesystem without it) is
// opened through the wrapped FS instead, so the FS works everywhere and is
// direct where it can be.
//
// # Alignment and memory
//
// Nothing is asked of the caller: reads of any length at any offset work.
// The block cache (Options.Cache) is the only cache of table data, so size
// it as the page cache would have been sized. Prefetch is a no-op on direct
// files (there is no readahead without the page cache).
//
// # Configuring Pebble
//
// Set Options.MaxOpenFiles above the number of tables: a Get whose table
// is not open first opens it (open, statx, footer and index reads), which
// costs more here than through vfs.Default and, on a DB of more tables
// than the default 1,000, becomes what the reads spend their time on.
//
// # Contexts
//
// One aio.Context serves every direct file of an FS; its MaxEvents bounds
// the reads in flight, and further reads wait for a slot. Set it to the
// reads you want at once on the device (Options.MaxEvents, 1024 by
// default); an FS per device keeps devices from sharing the bound.
package pebblevfs
