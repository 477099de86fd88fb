package aio

import (
	"context"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCancelAfterSubmission cancels a request that the kernel can cancel: a
// poll for input on an empty pipe, which would otherwise never complete. The
// call must ask the kernel to cancel it and return once the completion has
// arrived; without io_cancel it would wait forever.
func TestCancelAfterSubmission(t *testing.T) {
	c, err := NewContext(2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f, err := c.NewFile(r)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	idx, err := c.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := &c.slots[idx]
	s.cb = iocb{
		Data:      uint64(idx),
		LioOpcode: iocbCmdPoll,
		Fildes:    uint32(f.fd),
		Buf:       unix.POLLIN, // a poll's event mask travels in aio_buf
	}
	f.submit(false, idx)
	res := f.await(ctx, idx)
	c.release(idx)
	if res < 0 {
		t.Fatalf("cancelled poll completed with %v", unix.Errno(-res))
	}
	if res&unix.POLLIN != 0 {
		t.Fatalf("poll on an empty pipe reported input (mask %#x)", res)
	}
	if ctx.Err() == nil {
		t.Fatal("await returned before the context was done, for a poll that cannot complete by itself")
	}
}
