// Package wal is a write-ahead log on kernel AIO, built on the aio
// package's public API alone. It is an example, as its path says: code to
// read and to copy into a program, complete and tested (its recovery is
// fuzzed, and crash-tested in VMs whose QEMU is killed mid-append), but
// without the aio package's compatibility promise: its API and file format
// may change in any version, and a log is one file that grows, where a
// production log splits it into segments and recycles them. A program that
// imports it should pin the version.
//
// Many goroutines call Log.Append at once; each call returns once its
// record is durable, with the record's sequence number. Records are framed
// with their length and a chained CRC-32C and packed into aligned blocks,
// which are written with O_DIRECT and aio.FlagDSync (RWF_DSYNC), several at
// a time; the last block is written again as it fills, and the records that
// arrive while it is being written go in the next write of it (group
// commit). Acknowledgements go out in sequence order. The file is zeroed
// ahead of the log in the background, so that every write of the log is an
// overwrite of allocated blocks, whose durability costs a FUA write or a
// cache flush and no journal commit.
//
// Open recovers a log: it reads the records up to the first one that does
// not check, and ends the log there with a session mark whose random bytes
// enter the CRC chain, so that records a crashed session left further on can
// never be taken for part of the log. Close waits for what is in flight;
// after it, every method but Recovered returns ErrClosed.
//
// A log has one writer at a time: Open takes an exclusive flock(2) on the
// file, which Close releases, and a second Open, of either kind of log, in
// this process or another, fails with ErrLocked. Open makes a new log
// atomically: it writes the header to a file with no name in the log's
// directory (O_TMPFILE, or a temporary name where the filesystem has none),
// makes it durable and only then links the file at the log's path, so that
// a crash leaves either no log or one that Open accepts. A file of only
// zeroes, or of no bytes, opens as a new log: a crash while an older
// version made the log in place can leave one, and no record can have been
// acknowledged in it.
//
// GroupCommitLog is the same log written the way Go programs do it without
// AIO, for comparison: buffered writes and fdatasync(2) from one flusher.
// Both read and write the same files.
//
// The format is in format.go.
package wal
