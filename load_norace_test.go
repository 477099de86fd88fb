//go:build !race

package aio_test

// loadRequests is how many requests TestLoad issues.
const loadRequests = 1_000_000
