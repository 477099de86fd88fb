package main

import (
	"fmt"
	"io"

	"github.com/linuxaio/aio"
)

// runProbe prints the table of what the kernel and the filesystem of path
// support for AIO, as aio.Probe finds it, and returns the exit status: 0,
// or 2 after one line on stderr if path cannot be probed at all (it does
// not exist, or its directory is not writable). A kernel without AIO is
// not an error: the table says so.
func runProbe(path string, stdout, stderr io.Writer) int {
	caps, err := aio.Probe(path)
	if err != nil {
		fmt.Fprintf(stderr, "aiobench: -probe: %v\n", err)
		return 2
	}
	if _, err := io.WriteString(stdout, caps.String()); err != nil {
		fmt.Fprintf(stderr, "aiobench: %v\n", err)
		return 1
	}
	return 0
}
