//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le)

package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"
)

// TestIocbLayout holds the hand-written structures to the kernel's
// struct iocb and struct io_event (include/uapi/linux/aio_abi.h).
func TestIocbLayout(t *testing.T) {
	t.Parallel()
	var cb iocb
	var ev ioEvent
	for _, tc := range []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof(struct iocb)", unsafe.Sizeof(cb), 64},
		{"aio_data", unsafe.Offsetof(cb.data), 0},
		{"aio_key", unsafe.Offsetof(cb.key), 8},
		{"aio_rw_flags", unsafe.Offsetof(cb.rwFlags), 12},
		{"aio_lio_opcode", unsafe.Offsetof(cb.opcode), 16},
		{"aio_reqprio", unsafe.Offsetof(cb.reqprio), 18},
		{"aio_fildes", unsafe.Offsetof(cb.fildes), 20},
		{"aio_buf", unsafe.Offsetof(cb.buf), 24},
		{"aio_nbytes", unsafe.Offsetof(cb.nbytes), 32},
		{"aio_offset", unsafe.Offsetof(cb.offset), 40},
		{"aio_reserved2", unsafe.Offsetof(cb.reserved2), 48},
		{"aio_flags", unsafe.Offsetof(cb.flags), 56},
		{"aio_resfd", unsafe.Offsetof(cb.resfd), 60},
		{"sizeof(struct io_event)", unsafe.Sizeof(ev), 32},
		{"io_event.data", unsafe.Offsetof(ev.data), 0},
		{"io_event.obj", unsafe.Offsetof(ev.obj), 8},
		{"io_event.res", unsafe.Offsetof(ev.res), 16},
		{"io_event.res2", unsafe.Offsetof(ev.res2), 24},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}

// patternBlock returns block number block of the test pattern: every
// block differs from every other, so a read from the wrong offset shows.
func patternBlock(block, size int, salt byte) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(block*131+i*7) ^ salt
	}
	return b
}

// varTmpFile writes blocks blocks of the pattern with salt to a new file
// in /var/tmp, which is on a disk filesystem with O_DIRECT, and removes it
// when the test ends.
func varTmpFile(t *testing.T, blocks, size int, salt byte) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "aiobench-test-")
	if err != nil {
		t.Skipf("no /var/tmp to test in: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "pattern")
	var data []byte
	for i := range blocks {
		data = append(data, patternBlock(i, size, salt)...)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkDirectIO(path); errors.Is(err, errNoDirectIO) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	return path
}

// transfer submits one I/O per iocb of g, iocb i at block blockOf(i), and
// reaps them all.
func transfer(t *testing.T, g *geteventsLoop, opcode uint16, blockOf func(int) int) {
	t.Helper()
	for i := range g.iocbs {
		cb := &g.iocbs[i]
		cb.opcode = opcode
		cb.offset = int64(blockOf(i)) * int64(cb.nbytes)
		g.pending = append(g.pending, cb)
	}
	if err := g.submitPending(); err != nil {
		t.Fatal(err)
	}
	for g.inFlight > 0 {
		n, err := ioGetevents(g.id, 1, g.events)
		if err != nil {
			t.Fatal(err)
		}
		g.inFlight -= n
		for _, ev := range g.events[:n] {
			if err := eventError(ev, &g.iocbs[ev.data]); err != nil {
				t.Error(err)
			}
			if ev.obj != uint64(uintptr(unsafe.Pointer(&g.iocbs[ev.data]))) {
				t.Errorf("completion of iocb %d names iocb at %#x", ev.data, ev.obj)
			}
		}
	}
}

func TestGeteventsReadsTheRightData(t *testing.T) {
	t.Parallel()
	const blocks, size, qd = 64, 4096, 16
	path := varTmpFile(t, blocks, size, 0)
	g := openGeteventsLoop(t, path, "randread", blocks, size, qd)
	// Iocb i reads a block far from block i, in reverse order.
	blockOf := func(i int) int { return blocks - 1 - 3*i }
	transfer(t, g, iocbCmdPread, blockOf)
	for i, buf := range g.buffers.bytes {
		if want := patternBlock(blockOf(i), size, 0); !bytes.Equal(buf, want) {
			t.Errorf("iocb %d read something else than block %d", i, blockOf(i))
		}
	}
}

func TestGeteventsWritesTheRightData(t *testing.T) {
	t.Parallel()
	const blocks, size, qd = 32, 4096, 8
	path := varTmpFile(t, blocks, size, 0)
	g := openGeteventsLoop(t, path, "randwrite", blocks, size, qd)
	blockOf := func(i int) int { return 2*i + 1 }
	for i, buf := range g.buffers.bytes {
		copy(buf, patternBlock(blockOf(i), size, 0xff))
	}
	transfer(t, g, iocbCmdPwrite, blockOf)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for block := range blocks {
		salt := byte(0)
		if block%2 == 1 && block/2 < qd {
			salt = 0xff
		}
		if got := data[block*size : (block+1)*size]; !bytes.Equal(got, patternBlock(block, size, salt)) {
			t.Errorf("block %d does not hold what was written (salt %#x)", block, salt)
		}
	}
}

func TestGeteventsRunStopsAndCounts(t *testing.T) {
	t.Parallel()
	path := varTmpFile(t, 256, 4096, 0)
	w, err := newWorkload("randrw", 4096, 256*4096, 70)
	if err != nil {
		t.Fatal(err)
	}
	j := job{engine: "getevents", path: path, workload: w, queueDepth: 8, runtime: 100 * time.Millisecond}
	loop, err := openGetevents(j)
	if err != nil {
		t.Fatal(err)
	}
	m := newMeter(j.queueDepth, w.reads(), w.writes())
	time.AfterFunc(j.runtime, func() { m.stop.Store(true) })
	runErr := loop.run(m)
	if err := errors.Join(runErr, loop.close()); err != nil {
		t.Fatal(err)
	}
	reads, writes := m.latency(false).count(), m.latency(true).count()
	if reads == 0 || writes == 0 || int64(reads+writes) != m.completed() {
		t.Errorf("%d reads and %d writes recorded of %d I/Os completed; want both directions, adding up", reads, writes, m.completed())
	}
	if g := loop.(*geteventsLoop); g.inFlight != 0 || len(g.pending) != 0 {
		t.Errorf("after run: %d in flight, %d pending; want none", g.inFlight, len(g.pending))
	}
}

// openGeteventsLoop opens the getevents engine on path for pattern with qd
// requests in flight; the test closes it.
func openGeteventsLoop(t *testing.T, path, pattern string, blocks, size, qd int) *geteventsLoop {
	t.Helper()
	readPercent := 0
	if pattern == "randread" {
		readPercent = 100
	}
	w, err := newWorkload(pattern, size, int64(blocks*size), readPercent)
	if err != nil {
		t.Fatal(err)
	}
	loop, err := openGetevents(job{engine: "getevents", path: path, workload: w, queueDepth: qd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { loop.close() })
	return loop.(*geteventsLoop)
}
