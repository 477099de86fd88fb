package aio

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSubmitDoesNotQueueBehindAStall pretends that a submitter has been
// inside io_submit for a millisecond (one doing buffered I/O, say): a new
// request must not wait for it but be submitted by its own caller.
func TestSubmitDoesNotQueueBehindAStall(t *testing.T) {
	c, err := NewContext(4)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	osFile, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.NewFile(osFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	s := &c.submitter
	s.mu.Lock()
	s.active++ // the stalled submitter
	s.started = time.Since(monotonicBase) - time.Millisecond
	s.mu.Unlock()

	done := make(chan error, 1)
	go func() {
		_, err := f.WriteAt([]byte("not stuck"), 0)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a request queued behind a stalled io_submit")
	}

	// A submitter that started just now is trusted to take the queue: the
	// request waits for it.
	s.mu.Lock()
	s.started = time.Since(monotonicBase)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	idx, err := c.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.prepare(idx, iocbCmdPwrite, []byte("queued"), nil, 0, 0)
	c.submit(idx)
	s.mu.Lock()
	queued := len(s.queue)
	s.active-- // the pretended submitter finishes
	s.mu.Unlock()
	if queued != 1 {
		t.Fatalf("%d requests queued behind a running submitter, want 1", queued)
	}
	// Stand in for the submitter that was pretended to run.
	c.submit()
	c.await(context.Background(), idx)
	c.release(idx)
}
