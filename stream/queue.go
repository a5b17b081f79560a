package stream

import (
	"sync"
	"sync/atomic"
)

// queue is a connection's bounded outbound queue of data frames, bounded both in frames and
// in bytes. When full, push drops the oldest frames: a slow client loses frames instead of
// slowing its stream or anyone else, and a client that never reads holds at most maxBytes
// (or one frame, when a single frame is larger).
type queue struct {
	mu       sync.Mutex
	buf      [][]byte
	head     int
	n        int
	bytes    int64
	maxBytes int64
	total    *atomic.Int64 // the hub's count of queued bytes (may be nil)
	notify   chan struct{} // has a value while the queue may be non-empty
}

func newQueue(size int, maxBytes int64, total *atomic.Int64) *queue {
	if total == nil {
		total = new(atomic.Int64)
	}
	return &queue{buf: make([][]byte, size), maxBytes: maxBytes, total: total, notify: make(chan struct{}, 1)}
}

// dropHead removes the oldest frame (the lock held).
func (q *queue) dropHead() []byte {
	m := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	q.bytes -= int64(len(m))
	q.total.Add(-int64(len(m)))
	return m
}

// push appends m and reports whether older frames were dropped to make room.
func (q *queue) push(m []byte) (dropped bool) {
	q.mu.Lock()
	for q.n > 0 && (q.n == len(q.buf) || (q.maxBytes > 0 && q.bytes+int64(len(m)) > q.maxBytes)) {
		q.dropHead()
		dropped = true
	}
	q.buf[(q.head+q.n)%len(q.buf)] = m
	q.n++
	q.bytes += int64(len(m))
	q.total.Add(int64(len(m)))
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
	return q.dropHead(), true
}

// clear drops every queued frame (a replaced stream's frames must not follow the new ack).
func (q *queue) clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.n > 0 {
		q.dropHead()
	}
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// size is the number of bytes queued.
func (q *queue) size() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}
