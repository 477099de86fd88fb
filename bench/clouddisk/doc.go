// Command clouddisk mounts a filesystem whose reads, writes and flushes
// take the time a cloud provider's network block storage takes (a set
// latency, 1 ms by default, with jitter), while any number of them overlap,
// as they do on such a disk. It is the device on which the aio package
// shows what it is for: thousands of reads in flight without a thread for
// each.
//
//	clouddisk -backing DIR -mount MOUNTPOINT [-latency 1ms] [-jitter 200us]
//
// It serves the files of DIR at MOUNTPOINT through FUSE and stays in the
// foreground until SIGINT or SIGTERM, when it unmounts. A line "ready" on
// standard output says that the mount is in place. It needs root (or
// CAP_SYS_ADMIN) and /dev/fuse.
//
// What it models: every READ, WRITE and FSYNC request that reaches it is
// answered no sooner than its latency after it arrived, each request on its
// own, so that N requests in flight complete N times as fast as one, up to
// what the machine's CPUs can serve (a FUSE request costs tens of
// microseconds of CPU between the kernel and this process). Files opened
// with O_DIRECT bypass the page cache and take kernel AIO asynchronously
// (the mount asks for FUSE's asynchronous direct I/O), so io_submit returns
// at once and the completions come a latency later; files opened without
// it go through the page cache of the reading process, with the kernel's
// readahead, as on any filesystem.
//
// What it does not model: a provider's cap on IOPS or bandwidth, its
// latency growing with the size of a request, or a lost disk. Metadata
// operations (lookups, creating, renaming and removing files, fallocate) are
// served at once, as a filesystem on a network disk mostly serves them from
// memory. A flush is a round trip and nothing more: the data behind the
// mount lives in DIR, in the host's page cache, and survives this process.
//
// The latency is measured from the moment a request is read from /dev/fuse,
// so the FUSE round trip (about 0.15 ms on a 2-CPU virtual machine) comes
// on top of it.
package main
