package server

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// Pool runs CPU-bound jobs on a fixed number of workers behind a bounded queue. When the
// queue is full a job is refused at once (the handler answers 503 with Retry-After) instead
// of piling up.
type Pool struct {
	jobs    chan func()
	workers int
	queued  atomic.Int64

	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

// ErrPoolFull is returned by Submit when the queue is full; ErrPoolClosed after Close.
var (
	ErrPoolFull   = errors.New("work queue full")
	ErrPoolClosed = errors.New("worker pool closed")
)

// NewPool starts workers goroutines serving a queue of queueSize jobs. Close stops them.
func NewPool(workers, queueSize int) *Pool {
	p := &Pool{jobs: make(chan func(), queueSize), workers: workers}
	p.wg.Add(workers)
	for range workers {
		go p.work()
	}
	return p
}

func (p *Pool) work() {
	defer p.wg.Done()
	for job := range p.jobs {
		p.queued.Add(-1)
		job()
	}
}

// Workers is the number of workers.
func (p *Pool) Workers() int { return p.workers }

// Queued is the number of jobs waiting for a worker.
func (p *Pool) Queued() int { return int(p.queued.Load()) }

// Capacity is the queue's size.
func (p *Pool) Capacity() int { return cap(p.jobs) }

// Accepting reports whether the pool takes jobs (it is not closed).
func (p *Pool) Accepting() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return !p.closed
}

// submit queues job without blocking.
func (p *Pool) submit(job func()) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrPoolClosed
	}
	// An idle worker takes the job straight away even with a zero-length queue.
	p.queued.Add(1)
	select {
	case p.jobs <- job:
		return nil
	default:
		p.queued.Add(-1)
		return ErrPoolFull
	}
}

// Close stops taking jobs, lets the workers finish the queued ones, and waits for them.
func (p *Pool) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Run executes fn on the pool and waits for its result, or for ctx to end. A job whose
// context has ended before a worker picks it up is skipped. fn receives ctx so that long work
// can stop early.
func Run[T any](ctx context.Context, p *Pool, fn func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // buffered: the worker never blocks on an abandoned request
	err := p.submit(func() {
		if err := ctx.Err(); err != nil {
			done <- result{err: err}
			return
		}
		v, err := fn(ctx)
		done <- result{v, err}
	})
	if err != nil {
		var zero T
		return zero, err
	}
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
