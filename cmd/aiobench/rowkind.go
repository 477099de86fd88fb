package main

// A rowKind is the kind of workload that a report measured. It decides
// which goals apply and which ratios the -goals table shows: what matters
// for small random I/O (IOPS and CPU per I/O) is not what matters for
// large transfers (MB/s) or for durable writes (commits per second, and
// the OS threads that waiting for them costs).
type rowKind int

const (
	// smallBlockRows are I/Os under largeBlockSize, such as 4 KiB random
	// reads or writes, without -sync dsync.
	smallBlockRows rowKind = iota
	// largeBlockRows are I/Os of largeBlockSize or more, such as 1 MiB
	// sequential reads or writes, without -sync dsync.
	largeBlockRows
	// durableRows are runs with -sync dsync, whatever their block size.
	durableRows
	// logRows are the -log comparison of examples/wal's logs.
	logRows
)

// largeBlockSize is the block size from which throughput, not the rate of
// I/Os, is what a run is judged by.
const largeBlockSize = 1 << 20

// kindOf returns the kind of rows that a run with this block size and
// -sync mode gives.
func kindOf(blockSize int, sync string) rowKind {
	switch {
	case sync == syncDSync:
		return durableRows
	case blockSize >= largeBlockSize:
		return largeBlockRows
	}
	return smallBlockRows
}

// String names the kind as -help and the ratio table do.
func (k rowKind) String() string {
	switch k {
	case smallBlockRows:
		return "4 KiB random reads and writes (-bs under 1m)"
	case largeBlockRows:
		return "1 MiB sequential reads and writes (-bs 1m or more)"
	case durableRows:
		return "durable writes (-sync dsync)"
	case logRows:
		return "group-commit logs (-log)"
	}
	return "unknown rows"
}
