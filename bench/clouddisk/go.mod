module github.com/linuxaio/aio/bench/clouddisk

go 1.26.0

// Within the repository this module builds against the aio package two
// directories up, whatever version is required below.
replace github.com/linuxaio/aio => ../..

require (
	github.com/hanwen/go-fuse/v2 v2.12.1
	github.com/linuxaio/aio v0.0.0-00010101000000-000000000000
	golang.org/x/sys v0.50.0
)
