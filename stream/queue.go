package stream

import "sync"

// queue is a connection's bounded outbound queue of data frames. When full, push drops the
// oldest frame: a slow client loses frames instead of slowing its stream or anyone else.
type queue struct {
	mu     sync.Mutex
	buf    [][]byte
	head   int
	n      int
	notify chan struct{} // has a value while the queue may be non-empty
}

func newQueue(size int) *queue {
	return &queue{buf: make([][]byte, size), notify: make(chan struct{}, 1)}
}

// push appends m and reports whether an older frame was dropped to make room.
func (q *queue) push(m []byte) (dropped bool) {
	q.mu.Lock()
	if q.n == len(q.buf) {
		q.buf[q.head] = nil
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		dropped = true
	}
	q.buf[(q.head+q.n)%len(q.buf)] = m
	q.n++
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return dropped
}

// popUnless removes the oldest frame unless busy (checked under the queue's lock) is true.
// The writer passes "a control reply is waiting": a new stream's frames are pushed after
// its ack was queued, so whenever one of them is in the queue the check sees the ack.
func (q *queue) popUnless(busy func() bool) ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 || busy() {
		return nil, false
	}
	m := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return m, true
}

// clear drops every queued frame (a replaced stream's frames must not follow the new ack).
func (q *queue) clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.n > 0 {
		q.buf[q.head] = nil
		q.head = (q.head + 1) % len(q.buf)
		q.n--
	}
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
