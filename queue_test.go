package aio

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestQueuesSeeOnlyTheirOwn: two Queues on one Context, and its default
// Queue, submit and wait at the same time; every Wait returns exactly the
// requests submitted through its own Queue, each once.
func TestQueuesSeeOnlyTheirOwn(t *testing.T) {
	c := newTestContext(t, 8)
	f := bufferedFile(t, c)
	queues := []*Queue{c.NewQueue(), c.NewQueue(), c.queue}
	const perQueue = 500
	errs := make(chan error, len(queues))
	var wg sync.WaitGroup
	for qi, q := range queues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reqs := make([]*Request, 4)
			for i := range reqs {
				reqs[i] = &Request{File: f, Op: OpWrite, Buf: make([]byte, 512), Tag: uint64(qi)}
			}
			seen := map[*Request]int{}
			done := make([]*Request, len(reqs))
			for round := range perQueue / len(reqs) {
				for i, r := range reqs {
					r.Offset = int64((qi*perQueue + round*len(reqs) + i) * 512)
				}
				if _, err := q.Submit(reqs...); err != nil {
					errs <- err
					return
				}
				for got := 0; got < len(reqs); {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					n, err := q.Wait(ctx, done, 1)
					cancel()
					if err != nil {
						errs <- err
						return
					}
					for _, r := range done[:n] {
						if r.Tag != uint64(qi) {
							errs <- errors.New("a Wait returned another Queue's request")
							return
						}
						if r.Err != nil {
							errs <- r.Err
							return
						}
						seen[r]++
					}
					got += n
				}
			}
			for _, n := range seen {
				if n != perQueue/len(reqs) {
					errs <- errors.New("a request came back more or fewer times than submitted")
					return
				}
			}
			errs <- nil
		}()
	}
	wg.Wait()
	for range queues {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// holdSlots takes every free slot of c, as requests in flight would, and
// returns the function that gives them back.
func holdSlots(c *Context) (release func()) {
	var held []int32
	for {
		idx, ok := c.tryAcquire()
		if !ok {
			break
		}
		held = append(held, idx)
	}
	return func() {
		for _, idx := range held {
			c.free <- idx
		}
	}
}

// TestSubmitContextGivesUp: with every slot in flight, SubmitContext waits
// for one only until its context is done, and then reports that it accepted
// nothing; the requests are not in flight and can be submitted later.
func TestSubmitContextGivesUp(t *testing.T) {
	c := newTestContext(t, 2)
	f := bufferedFile(t, c)
	reqs := []*Request{
		{File: f, Op: OpWrite, Buf: make([]byte, 512)},
		{File: f, Op: OpWrite, Buf: make([]byte, 512), Offset: 512},
	}
	release := holdSlots(c)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	n, err := c.SubmitContext(ctx, reqs...)
	if n != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SubmitContext with no free slot = %d, %v; want 0, %v", n, err, context.DeadlineExceeded)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("SubmitContext gave up after %v", d)
	}
	release()
	if n, err := c.SubmitContext(context.Background(), reqs...); n != len(reqs) || err != nil {
		t.Fatalf("SubmitContext of the same requests with slots free = %d, %v", n, err)
	}
	done := make([]*Request, len(reqs))
	for got := 0; got < len(reqs); {
		n, err := c.Wait(context.Background(), done[got:], 1)
		if err != nil {
			t.Fatal(err)
		}
		got += n
	}
}
