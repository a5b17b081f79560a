package integration

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// ErrBreakerOpen is returned for attempts the circuit breaker refused without calling the
// target.
var ErrBreakerOpen = errors.New("circuit breaker open")

// breaker is one target's circuit breaker (gobreaker): Failures consecutive failures open
// it; after OpenTimeout it lets HalfOpenRequests trials through, which close it if they all
// succeed and reopen it at the first failure. A permanent error counts as a success: the
// target answered, it is not down. Cancellation by our own shutdown counts as nothing.
type breaker struct {
	cb      *gobreaker.CircuitBreaker[struct{}]
	timeout time.Duration

	mu       sync.Mutex
	openedAt time.Time
}

func newBreaker(name string, o BreakerOptions, onChange func(from, to BreakerState)) *breaker {
	b := &breaker{timeout: o.OpenTimeout.D()}
	b.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: uint32(o.HalfOpenRequests),
		Timeout:     o.OpenTimeout.D(),
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= uint32(o.Failures) },
		IsSuccessful: func(err error) bool {
			return err == nil || IsPermanent(err)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				b.mu.Lock()
				b.openedAt = time.Now()
				b.mu.Unlock()
			}
			if onChange != nil {
				onChange(stateOf(from), stateOf(to))
			}
		},
	})
	return b
}

func stateOf(s gobreaker.State) BreakerState {
	switch s {
	case gobreaker.StateOpen:
		return BreakerOpen
	case gobreaker.StateHalfOpen:
		return BreakerHalfOpen
	}
	return BreakerClosed
}

// do runs f if the breaker allows it, else returns ErrBreakerOpen.
func (b *breaker) do(f func() error) error {
	_, err := b.cb.Execute(func() (struct{}, error) { return struct{}{}, f() })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return ErrBreakerOpen
	}
	return err
}

// state is the current state (an open breaker whose timeout has passed reads half-open).
func (b *breaker) state() BreakerState { return stateOf(b.cb.State()) }

// untilHalfOpen is how long an open breaker stays open (0 if it is not open).
func (b *breaker) untilHalfOpen() time.Duration {
	if b.state() != BreakerOpen {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(time.Until(b.openedAt.Add(b.timeout)), time.Millisecond)
}
