package wal

import (
	"os"
	"testing"
)

func TestFlushesEachWriteTmpfs(t *testing.T) {
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("unsupported here: no /dev/shm")
	}
	if flushesEachWrite("/dev/shm") {
		t.Error("a file on tmpfs is taken for one on a device that flushes its cache on each durable write")
	}
}
