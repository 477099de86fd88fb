package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/linuxaio/aio"
)

// A streamLoop is the aio-stream engine: the package's streams, an
// aio.Reader (into io.Discard, through WriteTo) for -rw read and an
// aio.Writer for -rw write, with ChunkSize the block size and Depth the
// queue depth, sweeping the region from its start again and again. Each
// chunk counts as one I/O; its latency is how long the caller waited for
// it, which read-ahead and write-behind keep near zero while the device
// keeps up.
type streamLoop struct {
	ctx      *aio.Context
	file     *aio.File
	workload *workload
	opts     aio.StreamOptions
	source   []byte // what the Writer writes
}

// openAIOStream prepares the aio-stream engine.
func openAIOStream(j job) (ioLoop, error) {
	if j.workload.pattern != "read" && j.workload.pattern != "write" {
		return nil, fmt.Errorf("aio-stream reads or writes in order: use -rw read or -rw write, not %s", j.workload.pattern)
	}
	ctx, file, err := openAIOFile(j)
	if err != nil {
		return nil, err
	}
	s := &streamLoop{ctx: ctx, file: file, workload: j.workload,
		opts: aio.StreamOptions{ChunkSize: j.workload.blockSize, Depth: j.queueDepth}}
	if j.dsync {
		s.opts.Flags = aio.FlagDSync
	}
	if j.workload.writes() {
		s.source = make([]byte, j.workload.blockSize)
		for i := range s.source {
			s.source[i] = byte(i*7 + 1)
		}
	}
	return s, nil
}

// errTimeUp ends a sweep when the run's time is up.
var errTimeUp = errors.New("the run's time is up")

func (s *streamLoop) run(m *meter) error {
	im := m.issuer(0)
	region := s.workload.blocks * int64(s.workload.blockSize)
	for !m.stopping() {
		var err error
		if s.workload.writes() {
			err = s.writeSweep(m, im, region)
		} else {
			err = s.readSweep(m, im, region)
		}
		if err != nil && !errors.Is(err, errTimeUp) {
			return err
		}
	}
	return nil
}

// readSweep reads the region once, or until the time is up.
func (s *streamLoop) readSweep(m *meter, im *issuerMeter, region int64) error {
	r := aio.NewReader(s.file, 0, &s.opts)
	sink := &chunkSink{m: m, im: im, left: region, last: time.Now()}
	_, err := r.WriteTo(sink)
	if err == io.EOF {
		err = nil // the sink has the whole region
	}
	return errors.Join(err, r.Close())
}

// writeSweep writes the region once, or until the time is up, and flushes.
func (s *streamLoop) writeSweep(m *meter, im *issuerMeter, region int64) error {
	w := aio.NewWriter(s.file, 0, &s.opts)
	var err error
	for off := int64(0); off < region && err == nil && !m.stopping(); off += int64(len(s.source)) {
		start := time.Now()
		if _, err = w.Write(s.source); err == nil {
			im.record(time.Since(start), true)
		}
	}
	return errors.Join(err, w.Close())
}

// A chunkSink counts the chunks a Reader hands it, up to left bytes, and
// ends the sweep when the run's time is up.
type chunkSink struct {
	m    *meter
	im   *issuerMeter
	left int64
	last time.Time
}

func (c *chunkSink) Write(p []byte) (int, error) {
	now := time.Now()
	c.im.record(now.Sub(c.last), false)
	c.last = now
	if c.left -= int64(len(p)); c.left <= 0 {
		return len(p), io.EOF // the region is read: the sweep ends
	}
	if c.m.stopping() {
		return len(p), errTimeUp
	}
	return len(p), nil
}

func (s *streamLoop) close() error {
	return errors.Join(s.file.Close(), s.ctx.Close())
}
