package limits

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Retry-After follows the queued work: with jobs of about 100 ms queued behind one worker,
// a refused job is told to come back after roughly their total, not after one second.
func TestRetryAfterFollowsQueuedWork(t *testing.T) {
	p := NewPool(1, 20)
	defer p.Close()
	job := func(context.Context) (int, error) { time.Sleep(100 * time.Millisecond); return 0, nil }
	if _, err := Run(context.Background(), p, job); err != nil {
		t.Fatal(err)
	}
	block := make(chan struct{})
	go func() {
		_, _ = Run(context.Background(), p, func(context.Context) (int, error) { <-block; return 0, nil })
	}()
	for p.Running() == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 20 {
		go func() { _, _ = Run(context.Background(), p, job) }()
	}
	for p.Queued() < 20 {
		time.Sleep(time.Millisecond)
	}
	_, err := Run(context.Background(), p, job)
	var be *BusyError
	if !errors.As(err, &be) || !errors.Is(err, ErrPoolFull) {
		t.Fatalf("full pool: %v", err)
	}
	close(block)
	// 20 queued and 1 running at ~100 ms each: about 2 s.
	if be.RetryAfter < 2*time.Second || be.RetryAfter > 4*time.Second {
		t.Errorf("Retry-After %v with 21 jobs of ~100 ms ahead", be.RetryAfter)
	}
}

// Step waits for room instead of failing, and at most Workers steps are outstanding.
func TestStepWaitsItsTurn(t *testing.T) {
	p := NewPool(1, 0)
	defer p.Close()
	ran := 0
	for range 5 {
		if err := p.Step(context.Background(), func() { ran++ }); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Step(ctx, func() { ran++ }); !errors.Is(err, context.Canceled) || ran != 5 {
		t.Errorf("cancelled step: %v, ran %d", err, ran)
	}
}

// Run holds to the pool's bounds: never more than Workers jobs at once, at most Capacity
// waiting, the rest refused at once with ErrPoolFull; waiting jobs start in arrival order.
func TestRunBounds(t *testing.T) {
	p := NewPool(2, 3)
	ctx := context.Background()
	var release [5]chan struct{}
	var mu sync.Mutex
	var order []int
	running, most := 0, 0
	job := func(i int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			mu.Lock()
			order = append(order, i)
			running++
			most = max(most, running)
			mu.Unlock()
			<-release[i]
			mu.Lock()
			running--
			mu.Unlock()
			return i, nil
		}
	}
	started := func(n int) {
		for {
			mu.Lock()
			k := len(order)
			mu.Unlock()
			if k >= n {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	results := make([]int, 5)
	for i := range 5 {
		release[i] = make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := Run(ctx, p, job(i))
			if err != nil {
				t.Errorf("job %d: %v", i, err)
			}
			results[i] = v
		}()
		// the next job arrives once this one runs or waits
		for p.Running()+p.Queued() < i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	if _, err := Run(ctx, p, job(0)); !errors.Is(err, ErrPoolFull) {
		t.Fatalf("a sixth job with 2 running and 3 queued: %v, want ErrPoolFull", err)
	}
	// Ending the running jobs one at a time, the queued ones start in arrival order.
	started(2)
	for i := range 3 {
		close(release[i])
		started(3 + i)
	}
	close(release[3])
	close(release[4])
	wg.Wait()
	p.Close()
	if most != 2 {
		t.Errorf("%d jobs ran at once, want 2", most)
	}
	if !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
		t.Errorf("start order %v, want arrival order", order)
	}
	for i, v := range results {
		if v != i {
			t.Errorf("job %d returned %d", i, v)
		}
	}
	if p.Completed() != 5 || p.Running() != 0 || p.Queued() != 0 {
		t.Errorf("after: completed %d running %d queued %d", p.Completed(), p.Running(), p.Queued())
	}
}

// A job whose context ends while it waits is not run and answers BusyError with the
// context's error; one whose context ends while it runs is answered at once as abandoned,
// and goes on to its end on the worker.
func TestRunAbandoned(t *testing.T) {
	p := NewPool(1, 4)
	defer p.Close()
	release := make(chan struct{})
	go func() {
		_, _ = Run(context.Background(), p, func(context.Context) (int, error) { <-release; return 0, nil })
	}()
	for p.Running() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := make(chan struct{}, 1)
	_, err := Run(ctx, p, func(context.Context) (int, error) { ran <- struct{}{}; return 1, nil })
	var be *BusyError
	if !errors.As(err, &be) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the deadline: %v, want BusyError(DeadlineExceeded)", err)
	}
	close(release)
	ctx2, cancel2 := context.WithCancel(context.Background())
	finish, ended := make(chan struct{}), make(chan struct{})
	_, err = Run(ctx2, p, func(context.Context) (int, error) { cancel2(); <-finish; close(ended); return 2, nil })
	if !errors.As(err, &be) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while running: %v, want BusyError(Canceled)", err)
	}
	if p.Running() != 1 {
		t.Errorf("the abandoned job: running %d, want 1 (it goes on until it ends)", p.Running())
	}
	close(finish)
	<-ended
	select {
	case <-ran:
		t.Error("the job abandoned in the queue ran")
	default:
	}
}

// Close waits for the jobs taken, running and queued, and refuses new ones.
func TestCloseWaitsForJobs(t *testing.T) {
	p := NewPool(1, 2)
	release := make(chan struct{})
	var done atomic.Int64
	for range 3 {
		go func() {
			_, _ = Run(context.Background(), p, func(context.Context) (int, error) { <-release; done.Add(1); return 0, nil })
		}()
	}
	for p.Running()+p.Queued() < 3 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	for p.Accepting() {
		time.Sleep(time.Millisecond)
	}
	if _, err := Run(context.Background(), p, func(context.Context) (int, error) { return 0, nil }); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("after Close: %v, want ErrPoolClosed", err)
	}
	select {
	case <-closed:
		t.Fatal("Close returned with jobs running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-closed
	if done.Load() != 3 {
		t.Errorf("%d of 3 jobs ran", done.Load())
	}
}

// BenchmarkRun is the pool's own cost per job: parallel callers each running a trivial job
// (the hand-off to a worker goroutine and the answer back).
func BenchmarkRun(b *testing.B) {
	p := NewPool(2, 1024)
	defer p.Close()
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Run(ctx, p, func(context.Context) (int, error) { return 1, nil }); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
