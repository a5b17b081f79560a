package limits

import (
	"context"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// Memory is a budget of bytes shared by concurrent work whose size is known before it starts
// (an aggregation's gradients and distance matrices, from its cost model). Work larger than
// PerRequest is refused outright; smaller work waits until the total in use leaves room for
// it, or until its context ends.
type Memory struct {
	total, perRequest int64
	sem               *semaphore.Weighted
	inUse             atomic.Int64
}

// NewMemory returns a budget of total bytes, of which one piece of work may take perRequest
// (at most total).
func NewMemory(total, perRequest int64) *Memory {
	return &Memory{total: total, perRequest: min(perRequest, total), sem: semaphore.NewWeighted(total)}
}

// TooLargeError is work that can never fit the per-request budget.
type TooLargeError struct {
	Need, Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("needs %s of memory, over the limit of %s per request", Bytes(e.Need), Bytes(e.Limit))
}

// Acquire reserves n bytes, waiting for room until ctx ends. The caller must Release(n).
func (m *Memory) Acquire(ctx context.Context, n int64) error {
	if n > m.perRequest {
		return &TooLargeError{Need: n, Limit: m.perRequest}
	}
	if err := m.sem.Acquire(ctx, n); err != nil {
		return err
	}
	m.inUse.Add(n)
	return nil
}

// Release returns n bytes reserved by Acquire.
func (m *Memory) Release(n int64) {
	m.inUse.Add(-n)
	m.sem.Release(n)
}

// InUse is the number of bytes reserved now.
func (m *Memory) InUse() int64 { return m.inUse.Load() }

// PerRequest is the largest reservation Acquire accepts.
func (m *Memory) PerRequest() int64 { return m.perRequest }

// Total is the budget's size.
func (m *Memory) Total() int64 { return m.total }

// Bytes formats a size for messages: "1.2 GB", "640 kB", "12 B" (decimal units).
func Bytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
