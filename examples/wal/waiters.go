package wal

import "sync"

// A waiter is an Append waiting for the log to be durable up to end.
type waiter struct {
	end  int64
	done chan error // buffered: the log never waits for the Append
}

var waiterPool = sync.Pool{New: func() any { return &waiter{done: make(chan error, 1)} }}

// A waiterQueue holds the waiting Appends in the order of their records,
// which is the order of their ends: a durable prefix releases a prefix of
// the queue, and acknowledgements go out in sequence order.
type waiterQueue struct {
	q    []*waiter
	head int
}

func (wq *waiterQueue) push(w *waiter) { wq.q = append(wq.q, w) }

// release tells every waiter whose record ends at or before durable that
// it is durable.
func (wq *waiterQueue) release(durable int64) {
	for wq.head < len(wq.q) && wq.q[wq.head].end <= durable {
		wq.q[wq.head].done <- nil
		wq.q[wq.head] = nil
		wq.head++
	}
	wq.compact()
}

// fail tells every waiter that its record will not become durable.
func (wq *waiterQueue) fail(err error) {
	for ; wq.head < len(wq.q); wq.head++ {
		wq.q[wq.head].done <- err
		wq.q[wq.head] = nil
	}
	wq.compact()
}

func (wq *waiterQueue) compact() {
	if wq.head == len(wq.q) {
		wq.q, wq.head = wq.q[:0], 0
	} else if wq.head > 1024 && wq.head*2 > len(wq.q) {
		n := copy(wq.q, wq.q[wq.head:])
		clear(wq.q[n:])
		wq.q, wq.head = wq.q[:n], 0
	}
}

// A broadcast wakes every goroutine waiting for the state it guards to
// change: they wait on the channel that wait returns, and notify closes it.
// Its methods must be called with the lock of that state held.
type broadcast struct{ ch chan struct{} }

func (b *broadcast) wait() <-chan struct{} {
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *broadcast) notify() {
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// kick wakes the goroutine that waits on ch (of capacity 1) without ever
// blocking: one pending wake-up is as good as many.
func kick(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
