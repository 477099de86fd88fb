package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"
)

// A blockFile is what the goroutine engines need of a file: positioned reads
// and writes that are safe for concurrent use, with the io.ReaderAt contract.
type blockFile interface {
	io.ReaderAt
	io.WriterAt
}

// A goroutineLoop keeps queueDepth I/Os in flight the way most Go programs
// would: one goroutine per I/O, each calling ReadAt or WriteAt in a loop.
type goroutineLoop struct {
	file     blockFile
	buffers  *ioBuffers
	workload *workload
	release  func() error // closes file and what it depends on
}

func (g *goroutineLoop) run(m *meter) error {
	var wg sync.WaitGroup
	errs := make([]error, len(g.buffers.bytes))
	for i, buf := range g.buffers.bytes {
		stream := g.workload.newStream(rand.Uint64())
		wg.Go(func() { errs[i] = g.issue(buf, stream, m.issuer(i), m) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// issue is one goroutine of the loop: one I/O at a time until m says stop.
// Its first error stops the whole run.
func (g *goroutineLoop) issue(buf []byte, stream *ioStream, im *issuerMeter, m *meter) error {
	for !m.stopping() {
		offset, write := stream.next()
		start := time.Now()
		var n int
		var err error
		if write {
			n, err = g.file.WriteAt(buf, offset)
		} else {
			n, err = g.file.ReadAt(buf, offset)
		}
		if err == nil && n != len(buf) {
			err = fmt.Errorf("short transfer at offset %d: %d of %d bytes", offset, n, len(buf))
		}
		if err != nil {
			m.stop.Store(true)
			return err
		}
		im.record(time.Since(start), write)
	}
	return nil
}

func (g *goroutineLoop) close() error {
	return errors.Join(g.release(), g.buffers.free())
}
