//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le)

package main

import "testing"

// TestGeteventsDSyncFlag checks that with -sync dsync the getevents engine
// puts RWF_DSYNC into the aio_rw_flags of every write iocb, and of no read.
func TestGeteventsDSyncFlag(t *testing.T) {
	t.Parallel()
	path := varTmpFile(t, 16, 4096, 0)
	w, err := newWorkload("randrw", 4096, 16*4096, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, dsync := range []bool{false, true} {
		loop, err := openGetevents(job{engine: "getevents", path: path, workload: w, queueDepth: 2, dsync: dsync})
		if err != nil {
			t.Fatal(err)
		}
		g := loop.(*geteventsLoop)
		stream := w.newStream(7)
		writes := 0
		for range 200 {
			cb := g.aim(&g.iocbs[0], stream)
			want := uint32(0)
			if cb.opcode == iocbCmdPwrite {
				writes++
				if dsync {
					want = rwfDSync
				}
			}
			if cb.rwFlags != want {
				t.Fatalf("dsync %v: opcode %d with aio_rw_flags %#x, want %#x", dsync, cb.opcode, cb.rwFlags, want)
			}
		}
		if writes == 0 || writes == 200 {
			t.Fatalf("200 randrw iocbs with %d writes", writes)
		}
		loop.close()
	}
}
