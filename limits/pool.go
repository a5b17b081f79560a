// Package limits holds the service's transport-neutral resource limits: the worker pool (the
// CPU budget shared by requests and live streams), the memory budget, and the limiter of
// failed authentications. The HTTP server uses them, and any other transport must use the same
// instances, so that one budget bounds the process whatever the protocol (docs/adr/0022).
package limits

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Pool runs CPU-bound jobs on a fixed number of workers behind a bounded queue. When the
// queue is full a job is refused at once (the handler answers 503 with Retry-After) instead
// of piling up.
type Pool struct {
	jobs    chan func()
	workers int
	queued  atomic.Int64
	// avgNanos is a moving average of the jobs' run time (for Retry-After); done counts jobs.
	avgNanos atomic.Int64
	done     atomic.Int64
	running  atomic.Int64
	// steps bounds the long-lived work's jobs (Step) queued or running at once.
	steps chan struct{}

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
	p := &Pool{jobs: make(chan func(), queueSize), workers: workers, steps: make(chan struct{}, workers)}
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
		start := time.Now()
		p.running.Add(1)
		job()
		p.running.Add(-1)
		p.observe(time.Since(start))
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
		if errors.Is(err, ErrPoolFull) {
			err = &BusyError{Err: err, RetryAfter: p.RetryAfter()}
		}
		return zero, err
	}
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, &BusyError{Err: ctx.Err(), RetryAfter: p.RetryAfter()}
	}
}

// BusyError is a job refused (ErrPoolFull) or abandoned (its context ended) because the pool
// was busy, with the pool's estimate of when to retry. errors.Is sees the cause.
type BusyError struct {
	Err        error
	RetryAfter time.Duration
}

func (e *BusyError) Error() string { return e.Err.Error() }
func (e *BusyError) Unwrap() error { return e.Err }

// observe folds a job's run time into the moving average (weight 1/8).
func (p *Pool) observe(d time.Duration) {
	p.done.Add(1)
	for {
		old := p.avgNanos.Load()
		next := int64(d)
		if old > 0 {
			next = old + (int64(d)-old)/8
		}
		if p.avgNanos.CompareAndSwap(old, next) {
			return
		}
	}
}

// Running is the number of jobs being run now.
func (p *Pool) Running() int { return int(p.running.Load()) }

// Completed is the number of jobs run so far.
func (p *Pool) Completed() int64 { return p.done.Load() }

// RetryAfter estimates when a job submitted now would start: the queued jobs and the running
// ones, at the average run time, spread over the workers. It is at least one second, and at
// most maxRetryAfter, so that a client told to come back does not meet the same queue.
func (p *Pool) RetryAfter() time.Duration {
	avg := time.Duration(p.avgNanos.Load())
	ahead := float64(p.Queued() + p.workers)
	d := time.Duration(math.Ceil(ahead * float64(avg) / float64(p.workers)))
	return min(max(d, time.Second), maxRetryAfter)
}

// maxRetryAfter caps RetryAfter.
const maxRetryAfter = 5 * time.Minute

// Step runs fn, one step of long-lived work such as a live stream's next frame, on the pool
// and waits for it. Unlike Run it waits for room in the queue instead of failing, since a
// stream cannot be answered 503 halfway; but at most Workers steps are queued or running at
// once, so that streams take at most that share of the queue and requests keep the rest,
// and streams and requests together never run on more than Workers CPUs.
func (p *Pool) Step(ctx context.Context, fn func()) error {
	select {
	case p.steps <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.steps }()
	done := make(chan struct{})
	job := func() {
		defer close(done)
		if ctx.Err() == nil {
			fn()
		}
	}
	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		return ErrPoolClosed
	}
	p.queued.Add(1)
	select {
	case p.jobs <- job:
	case <-ctx.Done():
		p.queued.Add(-1)
		p.mu.RUnlock()
		return ctx.Err()
	}
	p.mu.RUnlock()
	<-done // the job checks ctx before running fn; once started it must finish (fn owns state)
	return ctx.Err()
}
