package guesttest

import (
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// TestNVMe runs every operation on an NVMe namespace, a second block driver
// with its own queueing next to virtio-blk.
func TestNVMe(t *testing.T) {
	guest.SkipIfNotInVM(t)
	requireDisk(t, testvm.NVMe, "this architecture's QEMU has no NVMe controller (internal/platform)")
	c := newContext(t, 16)
	testOps(t, openDisk(t, c, testvm.NVMe), testvm.NVMe.Size)
}
