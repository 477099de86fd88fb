package aio

import "sync"

// A completionQueue holds a Queue's completed batch requests until Wait
// takes them. It is a FIFO that grows when it must and then keeps its
// storage, so the steady state does not allocate.
type completionQueue struct {
	mu     sync.Mutex
	items  []*Request // circular: count items from head
	head   int
	count  int
	signal chan struct{} // holds a token while items may be waiting
}

func (q *completionQueue) init(n int) {
	q.items = make([]*Request, n)
	q.signal = make(chan struct{}, 1)
}

func (q *completionQueue) push(r *Request) {
	q.mu.Lock()
	if q.count == len(q.items) {
		grown := make([]*Request, 2*len(q.items))
		for i := range q.count {
			grown[i] = q.items[(q.head+i)%len(q.items)]
		}
		q.items, q.head = grown, 0
	}
	q.items[(q.head+q.count)%len(q.items)] = r
	q.count++
	q.mu.Unlock()
	q.notify()
}

// pop moves up to len(dst) requests into dst, marks them no longer in
// flight, and returns how many.
func (q *completionQueue) pop(dst []*Request) int {
	q.mu.Lock()
	n := min(len(dst), q.count)
	for i := range n {
		r := q.items[q.head]
		q.items[q.head] = nil
		q.head = (q.head + 1) % len(q.items)
		r.inFlight.Store(false)
		dst[i] = r
	}
	q.count -= n
	left := q.count
	q.mu.Unlock()
	if left > 0 {
		q.notify() // another waiter may take the rest
	}
	return n
}

func (q *completionQueue) notify() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}
