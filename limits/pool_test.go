package limits

import (
	"context"
	"errors"
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
