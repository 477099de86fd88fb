package guesttest

import (
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// TestRawDevice runs every operation on a virtio-blk device opened with
// O_DIRECT.
func TestRawDevice(t *testing.T) {
	guest.SkipIfNotInVM(t)
	c := newContext(t, 16)
	testOps(t, openDisk(t, c, testvm.Raw), testvm.Raw.Size)
}
