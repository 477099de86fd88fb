//go:build race

package aio_test

// loadRequests is how many requests TestLoad issues. The race detector
// makes every memory access and synchronisation several times slower, so
// the run is a tenth of the full one.
const loadRequests = 100_000
