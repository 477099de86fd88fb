package guesttest

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// The slow reads of TestSubmitStall: stallSubmitters goroutines each submit
// their share of the queue's capacity plus stallExtra reads, 4 KiB every
// 8 KiB so that the kernel cannot merge them.
const (
	stallSubmitters = 4
	stallExtra      = 32
	stallBlock      = 4096
	stallStride     = 2 * stallBlock
	// A fast read may take at most 1/stallFactor of the stall. They take
	// a thousandth of it; the rest is room for an emulated VM's hiccups,
	// while a read that waited for the stall would take most of it.
	stallFactor = 3
)

// TestSubmitStall blocks io_submit on the slow disk, by submitting more
// O_DIRECT reads than its request queue holds, from several goroutines, and
// meanwhile reads the raw disk through a File of the same Context: those
// reads must not wait for the slow disk's submissions. Each must take a small
// fraction of the time that the slow Submit calls block.
func TestSubmitStall(t *testing.T) {
	guest.SkipIfNotInVM(t)
	slowDev := findDisk(t, testvm.Slow)
	// The number of requests the block layer queues for the disk before
	// a submitter has to wait.
	queued := blockAttr(t, slowDev, "queue/nr_requests")
	per := (queued + stallExtra + stallSubmitters - 1) / stallSubmitters
	slowReads := per * stallSubmitters
	if slowReads*stallStride > int(testvm.Slow.Size) {
		t.Fatalf("%s queues %d requests: too many for %d reads on it", slowDev, queued, slowReads)
	}

	c := newContext(t, slowReads+4)
	slow := openFile(t, c, slowDev, os.O_RDONLY)
	fast := openFile(t, c, findDisk(t, testvm.Raw), os.O_RDONLY)

	buf := newBuf(t, slowReads*stallBlock)
	reqs := make([]*aio.Request, slowReads)
	for i := range reqs {
		reqs[i] = &aio.Request{File: slow, Op: aio.OpRead, Buf: buf[i*stallBlock : (i+1)*stallBlock], Offset: int64(i) * stallStride, Tag: uint64(i)}
	}

	// The slow submitters. Each records how long its Submit call took.
	type span struct{ start, end time.Time }
	spans := make([]span, stallSubmitters)
	submitErrs := make([]error, stallSubmitters)
	var submitting atomic.Int32
	submitting.Store(stallSubmitters)
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for g := range stallSubmitters {
		wg.Go(func() {
			part := reqs[g*per : (g+1)*per]
			<-ready
			spans[g].start = time.Now()
			n, err := c.Submit(part...)
			spans[g].end = time.Now()
			submitting.Add(-1)
			if n != len(part) || err != nil {
				submitErrs[g] = fmt.Errorf("Submit of %d reads on %s: %d accepted, %v", len(part), slowDev, n, err)
			}
		})
	}

	// Read the raw disk, one read after the other, for as long as a
	// slow Submit is under way.
	type fastRead struct {
		start   time.Time
		latency time.Duration
	}
	var fastReads []fastRead
	p := newBuf(t, stallBlock)
	close(ready)
	for i := 0; submitting.Load() > 0; i++ {
		if len(fastReads) > 0 && time.Since(fastReads[0].start) > hang {
			t.Fatalf("Submit on %s did not return in %v", slowDev, hang)
		}
		off := rawUnwritten + int64(i%256)*stallBlock
		start := time.Now()
		n, err := fast.ReadAt(p, off)
		fastReads = append(fastReads, fastRead{start, time.Since(start)})
		checkIO(t, "ReadAt on "+fast.Name(), n, err, len(p))
		checkData(t, "ReadAt on "+fast.Name(), p, off, testvm.ImageSeed)
	}
	wg.Wait()
	for _, err := range submitErrs {
		if err != nil {
			t.Fatal(err)
		}
	}
	slowStart := spans[0].start
	var stall span
	for _, s := range spans {
		if s.start.Before(slowStart) {
			slowStart = s.start
		}
		if s.end.Sub(s.start) > stall.end.Sub(stall.start) {
			stall = s
		}
	}
	for _, r := range collect(t, c, reqs) {
		what := fmt.Sprintf("read at %d on %s", r.Offset, slowDev)
		checkIO(t, what, r.N, r.Err, len(r.Buf))
		checkData(t, what, r.Buf, r.Offset, testvm.ImageSeed)
	}
	slowTime := time.Since(slowStart)
	stallTime := stall.end.Sub(stall.start)

	var during []time.Duration // the latencies of the fast reads made during the stall
	for _, r := range fastReads {
		if !r.start.Before(stall.start) && !r.start.Add(r.latency).After(stall.end) {
			during = append(during, r.latency)
		}
	}
	slices.Sort(during)
	t.Logf("%d reads on %s (queue of %d): the longest Submit blocked %v, all done in %v; %d reads on %s, %d of them during that Submit: median %v, longest %v",
		slowReads, slowDev, queued, stallTime, slowTime, len(fastReads), fast.Name(), len(during),
		percentile(during, 50), percentile(during, 100))

	// The throttle lets the last reads into the queue only once the
	// reads before them have completed, at IOPS per second after a burst
	// of a tenth of that; some Submit call waits for that.
	iops := testvm.Slow.IOPS
	minStall := time.Duration(slowReads-queued-iops/10-1) * time.Second / time.Duration(iops)
	if stallTime < minStall/2 {
		t.Fatalf("no Submit on %s blocked for long (the longest took %v, though its reads could not all enter the queue before %v): the test needs io_submit to block",
			slowDev, stallTime, minStall)
	}
	// Every read that started before the Submit returned counts.
	var slowest fastRead
	for _, r := range fastReads {
		if r.start.Before(stall.end) && r.latency > slowest.latency {
			slowest = r
		}
	}
	if slowest.latency > stallTime/stallFactor {
		t.Errorf("a read on %s that started %v into a Submit on %s took %v, while that Submit blocked for %v: reads on one File must not wait for another File's io_submit",
			fast.Name(), slowest.start.Sub(stall.start), slowDev, slowest.latency, stallTime)
	}
	if len(during) < 5 {
		t.Errorf("only %d reads on %s ran while a Submit on %s blocked for %v: too few to tell", len(during), fast.Name(), slowDev, stallTime)
	}
}

// percentile returns the p-th percentile of the sorted durations d, or 0 if
// there are none.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[(len(d)-1)*p/100]
}
