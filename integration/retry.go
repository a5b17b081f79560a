package integration

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// PermanentError marks a failure retrying cannot fix (the target understood the batch and
// refused it, e.g. HTTP 400). The publisher moves such a batch to the dead-letter file
// instead of retrying it.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as permanent (nil stays nil). Sinks use it for refusals.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err is marked permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfterError carries the delay a target asked for (HTTP Retry-After).
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// maxRetryAfter caps what a target may ask for, so one bad header cannot park a publisher.
const maxRetryAfter = 5 * time.Minute

// retryAfter returns the delay err asks for, or 0.
func retryAfter(err error) time.Duration {
	var r *RetryAfterError
	if errors.As(err, &r) {
		return min(r.After, maxRetryAfter)
	}
	return 0
}

// parseRetryAfter reads an HTTP Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// newBackoff is the delay policy between attempts: exponential (×2) from Initial, capped at
// Max, each delay scaled by a random factor in [1-Jitter, 1+Jitter] so that publishers
// recovering from the same outage do not retry in lockstep.
func newBackoff(o RetryOptions) *backoff.ExponentialBackOff {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     o.Initial.D(),
		RandomizationFactor: o.Jitter,
		Multiplier:          2,
		MaxInterval:         o.Max.D(),
	}
	b.Reset()
	return b
}

// sleep waits d or until ctx ends (false then).
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
