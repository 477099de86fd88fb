//go:build linux && !(amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le)

package main

// geteventsAvailable reports whether this architecture has the getevents
// engine. Its iocb layout is written for 64-bit little-endian machines only.
const geteventsAvailable = false

// openGetevents refuses: see geteventsAvailable.
func openGetevents(job) (ioLoop, error) { return nil, errGeteventsUnavailable }
