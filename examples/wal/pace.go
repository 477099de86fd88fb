package wal

import (
	"context"
	"time"
)

// Writes of zeroes take the device from the log's writes, and a flush
// after them has all they wrote to make durable: a round of zeroing at full
// speed holds up every durable write of the log while it lasts. Where
// writes of zeroes go to the device as they are made (O_DIRECT), a pacer
// spreads a round out instead: it writes pacedChunk at a time, so that a
// write of the log waits behind at most one small write of zeroes, and
// after every pacingQuantum of time spent writing it waits, at most as
// long, so that the log keeps at least half the device.
//
// The log may not overtake the durable zeroes, so the pacer waits only as
// much as the log leaves time for. From how fast the log has grown in the
// round and how long the round's writes have taken, it works out how long
// the log will take to come within a quarter of the preallocation of the
// durable zeroes and how long the rest of the round will spend writing;
// what the writing leaves of that time, it spreads over the rest of the
// round as waits. When nothing is left, the rest of the round goes at full
// speed, in writes of zeroChunk.
type pacer struct {
	p       *preallocator
	ctx     context.Context
	start   time.Time     // when the round began
	logEnd  int64         // and where the log ended then
	writing time.Duration // the round's write time so far
	busy    time.Duration // write time since the last wait
	hurried bool          // the rest of the round goes at full speed
}

// pacedChunk is the size of the writes of a round while it paces, and
// pacingQuantum the write time after which it may wait; it is well above
// the resolution of Go's timers.
const (
	pacedChunk    = 256 << 10
	pacingQuantum = time.Millisecond
)

func newPacer(ctx context.Context, p *preallocator) *pacer {
	return &pacer{p: p, ctx: ctx, start: time.Now(), logEnd: p.logEnd()}
}

// next is zeroFill's next for a paced round.
func (pc *pacer) next(took time.Duration, written, left int64) int {
	pc.writing += took
	pc.busy += took
	if !pc.hurried && pc.busy >= pacingQuantum {
		wait := pc.wait(written, left)
		pc.busy = 0
		if wait == 0 {
			pc.hurried = true
		} else {
			t := time.NewTimer(wait)
			select {
			case <-pc.ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
	}
	if !pc.hurried && pc.room(pc.p.logEnd()) <= 0 {
		pc.hurried = true
	}
	if pc.hurried {
		return zeroChunk
	}
	return max(pacedChunk, int(pc.p.bs))
}

// room returns how far the log, which ends at end, is from coming within
// a quarter of the preallocation of the durable zeroes.
func (pc *pacer) room(end int64) int64 {
	return pc.p.ready.Load() - end - pc.p.ahead/4
}

// wait returns how long to wait after the last pacingQuantum of writing,
// with written bytes of the round written and left to write: 0 if the
// round may not wait any more.
func (pc *pacer) wait(written, left int64) time.Duration {
	end := pc.p.logEnd()
	room := float64(pc.room(end))
	switch {
	case room <= 0:
		return 0
	case end == pc.logEnd:
		return pc.busy // the log has not grown: all the time in the world
	}
	writing := float64(pc.writing) * float64(left) / float64(written)
	slack := room/float64(end-pc.logEnd)*float64(time.Since(pc.start)) - writing
	if slack <= 0 {
		return 0
	}
	return time.Duration(min(float64(pc.busy), float64(pc.busy)*slack/writing))
}
