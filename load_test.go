package aio_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linuxaio/aio"
)

// The shape of TestLoad's workload.
const (
	loadGoroutines = 256
	loadMaxEvents  = 16 // far fewer slots than goroutines: most callers wait for one
	loadPollDepth  = 4  // below loadMaxEvents, so calls are both polled and led
	loadMaxBatch   = 4  // requests per Submit

	// Every goroutine owns loadOwnedExtents extents; loadSharedExtents more
	// are written and read by all of them. An extent is the range of one
	// vectored request: one block, or several where the file's alignment
	// leaves fewer than four aligned pieces in a block.
	loadOwnedExtents  = 8
	loadSharedExtents = 64

	// loadShortRequests is the count under -test.short, which the suite
	// also uses in slow emulated VMs.
	loadShortRequests = 5_000

	// loadStallLimit is how long the run may go without a single
	// completion before the requests still out are reported as lost.
	loadStallLimit = 30 * time.Second

	// sectorSize is the granularity at which concurrent writes to the same
	// block may interleave, so every sector describes itself.
	sectorSize = 512
)

// A loadKind is one way of issuing a request.
type loadKind int32

const (
	kindReadAt loadKind = iota
	kindWriteAt
	kindReadAtContext
	kindWriteAtContext
	kindReadvAtContext
	kindWritevAtContext
	kindBatchRead
	kindBatchWrite
	kindBatchReadv
	kindBatchWritev
	numLoadKinds
)

var loadKinds = [numLoadKinds]struct {
	name     string
	write    bool
	vectored bool
	op       aio.Op // for the batch kinds
}{
	kindReadAt:          {"ReadAt", false, false, 0},
	kindWriteAt:         {"WriteAt", true, false, 0},
	kindReadAtContext:   {"ReadAtContext", false, false, 0},
	kindWriteAtContext:  {"WriteAtContext", true, false, 0},
	kindReadvAtContext:  {"ReadvAtContext", false, true, 0},
	kindWritevAtContext: {"WritevAtContext", true, true, 0},
	kindBatchRead:       {"Submit(OpRead)", false, false, aio.OpRead},
	kindBatchWrite:      {"Submit(OpWrite)", true, false, aio.OpWrite},
	kindBatchReadv:      {"Submit(OpReadv)", false, true, aio.OpReadv},
	kindBatchWritev:     {"Submit(OpWritev)", true, true, aio.OpWritev},
}

func (k loadKind) String() string { return loadKinds[k].name }

// loadLayout is the geometry of the file under load. Blocks
// [0, owned) belong to the goroutines, loadOwnedExtents extents each in
// goroutine order; the shared blocks follow.
type loadLayout struct {
	unit   int // what O_DIRECT allows: offsets, lengths and piece addresses are multiples of it
	block  int // bytes per block
	span   int // blocks per extent
	owned  int // owned blocks
	blocks int // all blocks
}

func (l *loadLayout) size() int64 { return int64(l.blocks) * int64(l.block) }

// sharedBlock is what the test knows about the generations of one shared
// block. A generation is the value of the test's clock when its write was
// issued; the clock ticks again when the write is seen to complete.
type sharedBlock struct {
	mu   sync.Mutex
	ends map[uint64]uint64 // generation → clock at completion; 0 while in flight, or if it failed

	// floor is the newest generation whose write has completed. A read
	// that starts after that may not see a generation whose write had
	// completed before floor's was issued: floor overwrote it.
	floor atomic.Uint64
}

// An ioPlan is one request: where it goes, its memory, and what the test
// must know to check it.
type ioPlan struct {
	kind   loadKind
	shared bool
	first  int // first block the request touches
	off    int64
	length int
	bufs   [][]byte // the memory in file order: one piece, or 2–4 for a vectored request
	pieces [4][]byte
	gen    uint64    // a write's generation
	floors [4]uint64 // a shared read's floors, by block from first, taken before it was issued
}

func (p *ioPlan) String() string {
	return fmt.Sprintf("%v of %d bytes at offset %d", p.kind, p.length, p.off)
}

// A batchEntry is one of the Requests a goroutine reuses for Submit, with
// what the dispatcher and the stall report need to know about it.
type batchEntry struct {
	req   *aio.Request
	index int // in loadTest.entries; the high half of every Tag
	owner int
	// inFlight is set before Submit and cleared by the dispatcher when
	// Wait returns the request: a second return without a new Submit
	// finds it clear.
	inFlight atomic.Bool
	seq      atomic.Uint32 // submissions so far; the low half of the Tag
	// The last submission, for the stall report: its kind, offset and
	// time in Unix nanoseconds.
	kind  atomic.Int32
	off   atomic.Int64
	since atomic.Int64
	plan  ioPlan // touched by the owner only
}

func (e *batchEntry) tag(seq uint32) uint64 { return uint64(e.index)<<32 | uint64(seq) }

// A loadWorker is one of the goroutines.
type loadWorker struct {
	id        int
	rng       *rand.Rand
	mem       []byte            // loadMaxBatch regions of one extent each
	entries   []*batchEntry     // its loadMaxBatch Requests
	delivered chan *aio.Request // from the dispatcher
	reqs      [loadMaxBatch]*aio.Request
	call      ioPlan

	// The call in progress, for the stall report: its kind (-1 for none),
	// offset and start in Unix nanoseconds.
	callKind  atomic.Int32
	callOff   atomic.Int64
	callSince atomic.Int64
}

func (w *loadWorker) region(lay *loadLayout, i int) []byte {
	n := lay.span * lay.block
	return w.mem[i*n : (i+1)*n : (i+1)*n]
}

// loadTest is the state of one TestLoad run, shared by its goroutines.
type loadTest struct {
	t      *testing.T
	c      *aio.Context
	f      *aio.File
	lay    loadLayout
	runCtx context.Context // done only after the run, so that the ...Context calls wait on a real Done channel
	abort  chan struct{}   // closed when the run has stalled
	poison []byte          // what reads overwrite: no valid sector looks like it

	clock    atomic.Uint64
	ownedGen []uint64 // by block: the generation its owner last wrote
	ownedAlt []uint64 // by block: a generation that may be there instead, after a write that failed
	shared   []sharedBlock

	workers []*loadWorker
	entries []*batchEntry

	issued, completed [numLoadKinds]atomic.Int64
	submits           atomic.Int64 // Submit calls
	delivered         atomic.Int64 // batch requests the dispatcher routed
	sectors           atomic.Int64 // sectors verified
	torn              atomic.Int64 // shared blocks read with sectors of different generations
	unfinished        atomic.Int64 // shared blocks read with data of a write not yet seen to complete

	duplicated, misrouted, badData, failed atomic.Int64
	messages                               atomic.Int64
}

// TestLoad runs a large mixed workload through one Context with few slots
// and many goroutines: calls, vectored calls and batches; reads and writes;
// blocks owned by one goroutine and blocks that many write at once. It
// proves that no completion is lost, duplicated or delivered to the wrong
// request, and that every read returns data that a write put there.
//
// Every 512-byte sector holds its own file offset, the generation of the
// write that produced it and bytes derived from both, so a sector read back
// tells which write it came from, and whether it is whole and in the right
// place. Owned blocks must hold exactly the generation their owner last
// wrote; a sector of a shared block may hold any generation written there
// that no later write had replaced before the read started.
func TestLoad(t *testing.T) {
	total := loadRequests
	if testing.Short() {
		total = min(total, loadShortRequests)
	}
	dir := testDir(t)
	c, err := aio.NewContext(loadMaxEvents)
	if err != nil {
		t.Fatal(err)
	}
	aio.SetPollDepth(c, loadPollDepth)
	var (
		f    *aio.File
		mem  *aio.Buf
		hung bool
	)
	defer func() {
		if hung {
			// Requests may still be in the kernel: their memory and
			// their slots stay.
			return
		}
		if f != nil {
			f.Close()
		}
		c.Close()
		if mem != nil {
			mem.Free()
		}
	}()
	f, err = c.OpenFile(filepath.Join(dir, "load"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}

	memAlign, offAlign := f.Alignment()
	var lay loadLayout
	lay.unit = max(memAlign, offAlign, sectorSize)
	lay.block = max(4096, lay.unit)
	// A vectored request needs at least 4 units to carry up to 4 pieces.
	lay.span = max(1, (4*lay.unit+lay.block-1)/lay.block)
	lay.owned = loadGoroutines * loadOwnedExtents * lay.span
	lay.blocks = lay.owned + loadSharedExtents*lay.span

	runCtx, cancelRun := context.WithCancel(context.Background())
	defer cancelRun()
	lt := &loadTest{
		t:        t,
		c:        c,
		f:        f,
		lay:      lay,
		runCtx:   runCtx,
		abort:    make(chan struct{}),
		poison:   bytes.Repeat([]byte{0xff}, lay.span*lay.block),
		ownedGen: make([]uint64, lay.owned),
		ownedAlt: make([]uint64, lay.owned),
		shared:   make([]sharedBlock, lay.blocks-lay.owned),
	}
	if mem, err = aio.NewBuf(loadGoroutines * loadMaxBatch * lay.span * lay.block); err != nil {
		t.Fatal(err)
	}

	if err := lt.fill(); err != nil {
		t.Fatal(err)
	}

	for w := range loadGoroutines {
		wk := &loadWorker{
			id:        w,
			rng:       rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano()))),
			mem:       mem.Bytes()[w*loadMaxBatch*lay.span*lay.block:][:loadMaxBatch*lay.span*lay.block],
			delivered: make(chan *aio.Request, loadMaxBatch),
		}
		wk.callKind.Store(-1)
		for range loadMaxBatch {
			e := &batchEntry{req: &aio.Request{File: f}, index: len(lt.entries), owner: w}
			lt.entries = append(lt.entries, e)
			wk.entries = append(wk.entries, e)
		}
		lt.workers = append(lt.workers, wk)
	}

	dispatchCtx, stopDispatch := context.WithCancel(context.Background())
	defer stopDispatch()
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		lt.dispatch(dispatchCtx)
	}()

	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range lt.workers {
		quota := total / loadGoroutines
		if w.id < total%loadGoroutines {
			quota++
		}
		wg.Go(func() { lt.work(w, quota) })
	}
	finished := make(chan struct{})
	go func() {
		wg.Wait()
		close(finished)
	}()

	if !lt.watch(finished) {
		hung = true
		close(lt.abort)
		cancelRun()
		stopDispatch()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
		}
		if err := closeWithin(c, 10*time.Second); err != nil {
			t.Error(err)
		}
		t.FailNow()
	}
	elapsed := time.Since(start)
	stopDispatch()
	<-dispatched

	// Everything issued has come back: nothing more may.
	drain, cancelDrain := context.WithCancel(context.Background())
	cancelDrain()
	var extra [loadMaxBatch]*aio.Request
	if n, _ := c.Wait(drain, extra[:], 1); n > 0 {
		lt.fail(&lt.duplicated, "after the run, Wait returned %d more requests, first Tag %#x", n, extra[0].Tag)
	}
	for _, e := range lt.entries {
		if e.inFlight.Load() {
			lt.fail(nil, "request %#x of goroutine %d never came back from Wait", e.tag(e.seq.Load()), e.owner)
		}
	}

	lt.verifyFile()

	if err := f.Close(); err != nil {
		t.Errorf("File.Close: %v", err)
	}
	if err := closeWithin(c, 30*time.Second); err != nil {
		hung = true
		t.Fatal(err)
	}
	if n, err := c.Wait(context.Background(), extra[:], 1); n != 0 || !errors.Is(err, aio.ErrClosed) {
		lt.fail(&lt.duplicated, "Wait after Close = %d, %v; want 0 and ErrClosed", n, err)
	}

	lt.summarize(elapsed)
}

// fill writes generation 1 to every block, through the package, so that
// the run finds the file's blocks allocated and every sector valid.
func (lt *loadTest) fill() error {
	lay := &lt.lay
	gen := lt.clock.Add(1)
	chunk, err := aio.NewBuf(min(1<<20, int(lay.size())))
	if err != nil {
		return err
	}
	defer chunk.Free()
	buf := chunk.Bytes()
	for off := int64(0); off < lay.size(); off += int64(len(buf)) {
		p := buf[:min(int64(len(buf)), lay.size()-off)]
		for i := 0; i < len(p); i += sectorSize {
			fillSector(p[i:i+sectorSize], off+int64(i), gen)
		}
		if _, err := lt.f.WriteAt(p, off); err != nil {
			return err
		}
	}
	end := lt.clock.Add(1)
	for b := range lt.ownedGen {
		lt.ownedGen[b] = gen
	}
	for i := range lt.shared {
		lt.shared[i].ends = map[uint64]uint64{gen: end}
		lt.shared[i].floor.Store(gen)
	}
	return nil
}

// work issues quota requests from one goroutine, a quarter each through
// ReadAt/WriteAt, the ...AtContext calls, the vectored calls and Submit.
func (lt *loadTest) work(w *loadWorker, quota int) {
	for done := 0; done < quota; {
		select {
		case <-lt.abort:
			return
		default:
		}
		if lt.messages.Load() > 1000 {
			return // broken beyond what more requests can tell
		}
		read := w.rng.IntN(2)
		switch w.rng.IntN(4) {
		case 0:
			lt.callOnce(w, kindWriteAt-loadKind(read))
			done++
		case 1:
			lt.callOnce(w, kindWriteAtContext-loadKind(read))
			done++
		case 2:
			lt.callOnce(w, kindWritevAtContext-loadKind(read))
			done++
		case 3:
			k := min(1+w.rng.IntN(loadMaxBatch), quota-done)
			if !lt.batch(w, k) {
				return
			}
			done += k
		}
	}
}

// callOnce issues one request through a File method and checks its result.
func (lt *loadTest) callOnce(w *loadWorker, kind loadKind) {
	p := &w.call
	var used uint32
	lt.prepare(w, p, kind, w.region(&lt.lay, 0), &used)
	ctx := context.Background()
	if w.rng.IntN(2) == 0 {
		ctx = lt.runCtx
	}
	w.callOff.Store(p.off)
	w.callSince.Store(time.Now().UnixNano())
	w.callKind.Store(int32(kind))
	lt.issued[kind].Add(1)
	var n int
	var err error
	switch kind {
	case kindReadAt:
		n, err = lt.f.ReadAt(p.bufs[0], p.off)
	case kindWriteAt:
		n, err = lt.f.WriteAt(p.bufs[0], p.off)
	case kindReadAtContext:
		n, err = lt.f.ReadAtContext(ctx, p.bufs[0], p.off, 0)
	case kindWriteAtContext:
		n, err = lt.f.WriteAtContext(ctx, p.bufs[0], p.off, 0)
	case kindReadvAtContext:
		n, err = lt.f.ReadvAtContext(ctx, p.bufs, p.off, 0)
	case kindWritevAtContext:
		n, err = lt.f.WritevAtContext(ctx, p.bufs, p.off, 0)
	}
	w.callKind.Store(-1)
	lt.completed[kind].Add(1)
	lt.finish(p, n, err)
}

// batch submits k requests with one Submit and waits until the dispatcher
// has handed every one back. It reports false if the run was aborted.
func (lt *loadTest) batch(w *loadWorker, k int) bool {
	var used uint32
	reqs := w.reqs[:0]
	for i, e := range w.entries[:k] {
		kind := kindBatchRead + loadKind(w.rng.IntN(4))
		p := &e.plan
		lt.prepare(w, p, kind, w.region(&lt.lay, i), &used)
		r := e.req
		r.Op = loadKinds[kind].op
		r.Offset = p.off
		r.Buf, r.Bufs = nil, nil
		if loadKinds[kind].vectored {
			r.Bufs = p.bufs
		} else {
			r.Buf = p.bufs[0]
		}
		// Results that the package never set show up as a wrong N.
		r.N, r.Err = -1, nil
		r.Tag = e.tag(e.seq.Add(1))
		e.kind.Store(int32(kind))
		e.off.Store(p.off)
		e.since.Store(time.Now().UnixNano())
		e.inFlight.Store(true)
		lt.issued[kind].Add(1)
		reqs = append(reqs, r)
	}
	lt.submits.Add(1)
	n, err := lt.c.Submit(reqs...)
	if err != nil {
		lt.fail(&lt.failed, "Submit accepted %d of %d requests: %v", n, k, err)
		for _, e := range w.entries[n:k] {
			e.inFlight.Store(false)
			lt.issued[e.plan.kind].Add(-1)
		}
	}

	pending := uint32(1)<<n - 1
	for pending != 0 {
		var r *aio.Request
		select {
		case r = <-w.delivered:
		case <-lt.abort:
			return false
		}
		i := int(r.Tag>>32) - w.id*loadMaxBatch
		if i < 0 || i >= n || pending&(1<<i) == 0 {
			lt.fail(&lt.misrouted, "goroutine %d was handed request %#x, which is not one of its requests in flight", w.id, r.Tag)
			continue
		}
		pending &^= 1 << i
		e := w.entries[i]
		lt.completed[e.plan.kind].Add(1)
		lt.finish(&e.plan, r.N, r.Err)
	}
	return true
}

// dispatch routes the batch completions to their owners until ctx is done.
// Wait returns whichever batch requests of the Context have completed, so
// one goroutine collects them all and hands each to the goroutine named by
// its Tag.
func (lt *loadTest) dispatch(ctx context.Context) {
	done := make([]*aio.Request, 2*loadMaxEvents)
	for {
		n, err := lt.c.Wait(ctx, done, 1)
		for _, r := range done[:n] {
			lt.route(r)
		}
		if err != nil {
			if ctx.Err() == nil {
				lt.fail(&lt.failed, "Wait: %v", err)
			}
			return
		}
	}
}

func (lt *loadTest) route(r *aio.Request) {
	i := r.Tag >> 32
	if i >= uint64(len(lt.entries)) || lt.entries[i].req != r {
		lt.fail(&lt.misrouted, "Wait returned a request whose Tag %#x names another request", r.Tag)
		return
	}
	e := lt.entries[i]
	if !e.inFlight.CompareAndSwap(true, false) {
		lt.fail(&lt.duplicated, "Wait returned request %#x of goroutine %d again, without a Submit in between", r.Tag, e.owner)
		return
	}
	lt.delivered.Add(1)
	// Never blocks: the channel has room for all of the owner's requests.
	lt.workers[e.owner].delivered <- r
}

// prepare plans a request of the given kind in region, on an extent that is
// shared or, at random, one of w's own not yet in used, and readies its
// memory: the images of a new generation for a write, poison for a read.
func (lt *loadTest) prepare(w *loadWorker, p *ioPlan, kind loadKind, region []byte, used *uint32) {
	lay := &lt.lay
	p.kind = kind
	p.shared = w.rng.IntN(2) == 0
	var ext int
	if p.shared {
		ext = loadGoroutines*loadOwnedExtents + w.rng.IntN(loadSharedExtents)
	} else {
		// The owner knows a block's exact contents only if no two of its
		// requests on the block are in flight at once.
		i := w.rng.IntN(loadOwnedExtents)
		for *used&(1<<i) != 0 {
			i = (i + 1) % loadOwnedExtents
		}
		*used |= 1 << i
		ext = w.id*loadOwnedExtents + i
	}
	write := loadKinds[kind].write
	switch {
	case loadKinds[kind].vectored:
		// The whole extent, in 2–4 pieces laid out in memory in reverse
		// order, so that pieces taken in the wrong order show.
		p.first = ext * lay.span
		p.off = int64(p.first) * int64(lay.block)
		p.length = lay.span * lay.block
		units := p.length / lay.unit
		k := min(2+w.rng.IntN(3), units)
		var sizes [4]int
		for i := range k {
			sizes[i] = 1
		}
		for range units - k {
			sizes[w.rng.IntN(k)]++
		}
		pos := 0
		for i := k - 1; i >= 0; i-- {
			n := sizes[i] * lay.unit
			p.pieces[i] = region[pos : pos+n : pos+n]
			pos += n
		}
		p.bufs = p.pieces[:k]
	case write:
		// Writes cover whole blocks: a later write then replaces every
		// sector of an earlier one.
		p.first = ext*lay.span + w.rng.IntN(lay.span)
		p.off = int64(p.first) * int64(lay.block)
		p.length = lay.block
		p.pieces[0] = region[:p.length:p.length]
		p.bufs = p.pieces[:1]
	default:
		// Reads take any aligned part of a block, so that lengths differ
		// and a result delivered to the wrong request shows in N.
		p.first = ext*lay.span + w.rng.IntN(lay.span)
		units := lay.block / lay.unit
		from := w.rng.IntN(units)
		to := from + 1 + w.rng.IntN(units-from)
		p.off = int64(p.first)*int64(lay.block) + int64(from*lay.unit)
		p.length = (to - from) * lay.unit
		p.pieces[0] = region[:p.length:p.length]
		p.bufs = p.pieces[:1]
	}

	if !write {
		for _, b := range p.bufs {
			copy(b, lt.poison)
		}
		if p.shared {
			for i := range (p.length + lay.block - 1) / lay.block {
				p.floors[i] = lt.shared[p.first+i-lay.owned].floor.Load()
			}
		}
		return
	}
	p.gen = lt.clock.Add(1)
	if p.shared {
		// Recorded before the write is issued: a read may see it as soon
		// as the kernel has it.
		for b := p.first; b < p.first+p.length/lay.block; b++ {
			s := &lt.shared[b-lay.owned]
			s.mu.Lock()
			s.ends[p.gen] = 0
			s.mu.Unlock()
		}
	}
	off := p.off
	for _, b := range p.bufs {
		for i := 0; i < len(b); i += sectorSize {
			fillSector(b[i:i+sectorSize], off, p.gen)
			off += sectorSize
		}
	}
}

// finish checks the result of the request p and records what it did.
func (lt *loadTest) finish(p *ioPlan, n int, err error) {
	lay := &lt.lay
	write := loadKinds[p.kind].write
	// A wrong count is the sign of another request's result; the calls
	// turn it into io.EOF or io.ErrShortWrite.
	short := err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrShortWrite)
	ok := false
	switch {
	case n != p.length && short && err != nil:
		lt.fail(&lt.misrouted, "%v transferred %d bytes (%v)", p, n, err)
	case n != p.length && short:
		lt.fail(&lt.misrouted, "%v transferred %d bytes", p, n)
	case err != nil:
		lt.fail(&lt.failed, "%v: n=%d, %v", p, n, err)
	default:
		ok = true
	}
	if !write {
		if ok {
			lt.check(p, false)
		}
		return
	}
	blocks := p.length / lay.block
	if p.shared {
		if !ok {
			return // its generation stays possible forever
		}
		end := lt.clock.Add(1)
		for b := p.first; b < p.first+blocks; b++ {
			s := &lt.shared[b-lay.owned]
			s.mu.Lock()
			s.ends[p.gen] = end
			s.mu.Unlock()
			for {
				old := s.floor.Load()
				if old >= p.gen || s.floor.CompareAndSwap(old, p.gen) {
					break
				}
			}
		}
		return
	}
	for b := p.first; b < p.first+blocks; b++ {
		if ok {
			lt.ownedGen[b], lt.ownedAlt[b] = p.gen, 0
		} else {
			lt.ownedAlt[b] = p.gen
		}
	}
}

// check verifies the data that the read p returned, sector by sector, and
// reports each block with wrong sectors once. With final set, every write
// has completed, and a shared block may only hold generations that no later
// write replaced.
func (lt *loadTest) check(p *ioPlan, final bool) {
	lay := &lt.lay
	var (
		block             = -1
		sectors, bad      int
		firstBad          string
		firstGen, okGen   uint64
		mixed, unfinished bool
	)
	endBlock := func() {
		if bad > 0 {
			lt.fail(&lt.badData, "%v: %d of the %d sectors read from block %d are wrong; the first, %s", p, bad, sectors, block, firstBad)
		}
		if block >= lay.owned {
			if mixed {
				lt.torn.Add(1)
			}
			if unfinished {
				lt.unfinished.Add(1)
			}
		}
	}
	off := p.off
	for _, b := range p.bufs {
		for i := 0; i < len(b); i += sectorSize {
			if bl := int(off / int64(lay.block)); bl != block {
				if block >= 0 {
					endBlock()
				}
				block, sectors, bad, firstBad, firstGen, okGen, mixed, unfinished = bl, 0, 0, "", 0, 0, false, false
			}
			sectors++
			gen, why := sectorGen(b[i:i+sectorSize], off)
			if why == "" && gen != okGen {
				if reason := lt.allowed(p, block, gen, final, &unfinished); reason != "" {
					why = fmt.Sprintf("it holds generation %d, but %s", gen, reason)
				} else {
					okGen = gen
				}
			}
			switch {
			case why != "":
				if bad++; bad == 1 {
					firstBad = fmt.Sprintf("at offset %d: %s", off, why)
				}
			case firstGen == 0:
				firstGen = gen
			case gen != firstGen:
				mixed = true
			}
			off += sectorSize
		}
	}
	if block >= 0 {
		endBlock()
	}
	lt.sectors.Add(int64(p.length / sectorSize))
}

// allowed explains why block may not hold generation gen for the read p, or
// returns "".
func (lt *loadTest) allowed(p *ioPlan, block int, gen uint64, final bool, unfinished *bool) string {
	lay := &lt.lay
	if block < lay.owned {
		if gen == lt.ownedGen[block] || gen == lt.ownedAlt[block] {
			return ""
		}
		return fmt.Sprintf("its owner last wrote generation %d", lt.ownedGen[block])
	}
	s := &lt.shared[block-lay.owned]
	floor := s.floor.Load()
	if !final {
		floor = p.floors[block-p.first]
	}
	s.mu.Lock()
	end, ok := s.ends[gen]
	s.mu.Unlock()
	switch {
	case !ok:
		return "that generation was never written to this block"
	case end == 0:
		*unfinished = true
	case end < floor:
		return fmt.Sprintf("generation %d overwrote it and completed before the read started", floor)
	}
	return ""
}

// verifyFile reads the whole file back twice, through the package and
// through the page cache, and checks every sector.
func (lt *loadTest) verifyFile() {
	lay := &lt.lay
	chunk, err := aio.NewBuf(min(1<<20, int(lay.size())))
	if err != nil {
		lt.t.Fatal(err)
	}
	defer chunk.Free()
	plain, err := os.ReadFile(lt.f.Name())
	if err != nil {
		lt.t.Fatal(err)
	}
	if int64(len(plain)) != lay.size() {
		lt.t.Fatalf("the file is %d bytes long; want %d", len(plain), lay.size())
	}
	buf := chunk.Bytes()
	for off := int64(0); off < lay.size(); off += int64(len(buf)) {
		b := buf[:min(int64(len(buf)), lay.size()-off)]
		copy(b, bytes.Repeat([]byte{0xff}, len(b)))
		n, err := lt.f.ReadAt(b, off)
		if err != nil || n != len(b) {
			lt.t.Fatalf("reading back %d bytes at offset %d: n=%d, %v", len(b), off, n, err)
		}
		p := &ioPlan{kind: kindReadAt, first: int(off / int64(lay.block)), off: off, length: len(b), bufs: [][]byte{b}}
		lt.check(p, true)
		if !bytes.Equal(b, plain[off:off+int64(len(b))]) {
			lt.fail(&lt.badData, "the %d bytes at offset %d read through the package differ from a plain read", len(b), off)
		}
	}
}

// watch waits for the workers to finish and reports true, or reports the
// requests still out and false once nothing has completed for
// loadStallLimit.
func (lt *loadTest) watch(finished <-chan struct{}) bool {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	last, lastChange := int64(-1), time.Now()
	for {
		select {
		case <-finished:
			return true
		case now := <-tick.C:
			var done int64
			for k := range lt.completed {
				done += lt.completed[k].Load()
			}
			if done != last {
				last, lastChange = done, now
				continue
			}
			if now.Sub(lastChange) < loadStallLimit {
				continue
			}
			out := lt.outstanding(now)
			lt.t.Errorf("no request has completed for %v; %d still out (lost):\n%s", loadStallLimit, len(out), strings.Join(out[:min(len(out), 100)], "\n"))
			return false
		}
	}
}

// outstanding lists the calls that have not returned and the batch requests
// that Wait has not returned.
func (lt *loadTest) outstanding(now time.Time) []string {
	var out []string
	for _, w := range lt.workers {
		if k := w.callKind.Load(); k >= 0 {
			out = append(out, fmt.Sprintf("goroutine %d: %v at offset %d, called %v ago, has not returned",
				w.id, loadKind(k), w.callOff.Load(), now.Sub(time.Unix(0, w.callSince.Load())).Round(time.Millisecond)))
		}
	}
	for _, e := range lt.entries {
		if e.inFlight.Load() {
			out = append(out, fmt.Sprintf("goroutine %d: %v at offset %d (Tag %#x), submitted %v ago, has not come back from Wait",
				e.owner, loadKind(e.kind.Load()), e.off.Load(), e.tag(e.seq.Load()), now.Sub(time.Unix(0, e.since.Load())).Round(time.Millisecond)))
		}
	}
	return out
}

// summarize logs the mix and the rate, and fails the test unless every
// request came back exactly once, to its owner, with the right data.
func (lt *loadTest) summarize(elapsed time.Duration) {
	t := lt.t
	var issued, completed, batch int64
	var mix []string
	for k := range numLoadKinds {
		i, c := lt.issued[k].Load(), lt.completed[k].Load()
		issued += i
		completed += c
		if loadKinds[k].op != 0 {
			batch += c
		}
		mix = append(mix, fmt.Sprintf("%v %d", k, i))
		if i != c {
			t.Errorf("%v: %d requests issued, %d completed", k, i, c)
		}
	}
	lay := &lt.lay
	t.Logf("%d requests in %v: %.0f per second, from %d goroutines through a %d-slot Context", issued, elapsed.Round(time.Millisecond), float64(issued)/elapsed.Seconds(), loadGoroutines, loadMaxEvents)
	t.Logf("mix: %s", strings.Join(mix, ", "))
	t.Logf("%d Submit calls, %.2f requests each; %d batch requests routed by the dispatcher", lt.submits.Load(), float64(batch)/float64(max(1, lt.submits.Load())), lt.delivered.Load())
	t.Logf("file: %d blocks of %d bytes (I/O unit %d, %d blocks per vectored request), %d owned by one goroutine each, %d shared by all",
		lay.blocks, lay.block, lay.unit, lay.span, lay.owned, lay.blocks-lay.owned)
	t.Logf("%d sectors verified; %d shared-block reads saw torn writes (sectors of different generations), %d saw a write still in flight",
		lt.sectors.Load(), lt.torn.Load(), lt.unfinished.Load())

	lost := issued - completed
	if lt.delivered.Load() != batch {
		t.Errorf("the dispatcher routed %d batch requests, the owners took %d", lt.delivered.Load(), batch)
	}
	if lost != 0 || lt.duplicated.Load() != 0 || lt.misrouted.Load() != 0 || lt.badData.Load() != 0 || lt.failed.Load() != 0 {
		t.Errorf("lost %d, duplicated %d, misrouted %d, bad data %d, failed %d; want all 0",
			lost, lt.duplicated.Load(), lt.misrouted.Load(), lt.badData.Load(), lt.failed.Load())
	}
}

// fail reports a problem, counting it in counter if that is not nil. Only
// the first few are printed: a broken package produces them by the
// thousand.
func (lt *loadTest) fail(counter *atomic.Int64, format string, args ...any) {
	if counter != nil {
		counter.Add(1)
	}
	if n := lt.messages.Add(1); n <= 20 {
		lt.t.Errorf(format, args...)
	} else if n == 21 {
		lt.t.Errorf("more problems; only the counts follow")
	}
}

// closeWithin closes c, or gives up after d: a completion that never
// arrives keeps a slot, and Close waits for every slot.
func closeWithin(c *aio.Context, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("Context.Close: %w", err)
		}
		return nil
	case <-time.After(d):
		return fmt.Errorf("Context.Close has not returned after %v: a request's slot was never freed", d)
	}
}

// fillSector makes sec the image of generation gen at file offset off:
// the offset, the generation, then bytes derived from both.
func fillSector(sec []byte, off int64, gen uint64) {
	binary.LittleEndian.PutUint64(sec, uint64(off))
	binary.LittleEndian.PutUint64(sec[8:], gen)
	seed := sectorSeed(off, gen)
	for i := 16; i < len(sec); i += 8 {
		binary.LittleEndian.PutUint64(sec[i:], mix64(seed+uint64(i)))
	}
}

// sectorGen returns the generation of which sec, read at file offset off,
// is the image, or why it is none.
func sectorGen(sec []byte, off int64) (uint64, string) {
	if bytes.Equal(sec[:16], bytes.Repeat([]byte{0xff}, 16)) {
		return 0, "nothing was read into it"
	}
	if got := int64(binary.LittleEndian.Uint64(sec)); got != off {
		return 0, fmt.Sprintf("it holds the sector of offset %d", got)
	}
	gen := binary.LittleEndian.Uint64(sec[8:])
	if gen == 0 {
		return 0, "its generation is 0"
	}
	seed := sectorSeed(off, gen)
	for i := 16; i < len(sec); i += 8 {
		if binary.LittleEndian.Uint64(sec[i:]) != mix64(seed+uint64(i)) {
			return 0, fmt.Sprintf("bytes %d to %d differ from generation %d's", i, i+8, gen)
		}
	}
	return gen, ""
}

func sectorSeed(off int64, gen uint64) uint64 { return mix64(uint64(off) ^ mix64(gen)) }

// mix64 is the SplitMix64 finaliser: every input bit affects every output
// bit, so images of neighbouring offsets or generations share nothing.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
