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

	// A submitter that started recently is trusted to take the queue: the
	// request waits for it. (Its start is put in the future so that no
	// delay of this test makes it look stalled.)
	s.mu.Lock()
	s.started = time.Since(monotonicBase) + time.Hour
	s.mu.Unlock()
	idx, err := c.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.prepare(idx, iocbCmdPwrite, []byte("queued"), nil, 0, 0)
	c.submit(idx)
	s.mu.Lock()
	queued := len(s.queue)
	s.active-- // the pretended submitter finishes
	s.mu.Unlock()
	// Stand in for the pretended submitter, then wait: the slot must come
	// back whatever happened, or Close would wait for it.
	c.submit()
	c.await(context.Background(), idx)
	c.release(idx)
	if queued != 1 {
		t.Fatalf("%d requests queued behind a running submitter, want 1", queued)
	}
}

// TestSubmittersAreBounded pretends that maxSubmitters submitters are all
// stalled: a new request then waits in the queue rather than taking another
// OS thread into io_submit.
func TestSubmittersAreBounded(t *testing.T) {
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
	s.active = maxSubmitters
	s.started = time.Since(monotonicBase) - time.Second
	s.mu.Unlock()
	idx, err := c.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.prepare(idx, iocbCmdPwrite, []byte("bounded"), nil, 0, 0)
	c.submit(idx)
	s.mu.Lock()
	queued := len(s.queue)
	s.active = 0
	s.mu.Unlock()
	c.submit()
	c.await(context.Background(), idx)
	c.release(idx)
	if queued != 1 {
		t.Fatalf("with %d stalled submitters, %d requests queued; want 1", maxSubmitters, queued)
	}
}
