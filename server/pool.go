package server

import (
	"context"

	"mfn/limits"
)

// The worker pool lives in package limits, so that every transport shares one CPU budget;
// these names keep the server's code and tests reading as before.

// Pool is limits.Pool.
type Pool = limits.Pool

// ErrPoolFull and ErrPoolClosed are limits'.
var (
	ErrPoolFull   = limits.ErrPoolFull
	ErrPoolClosed = limits.ErrPoolClosed
)

// NewPool is limits.NewPool.
func NewPool(workers, queueSize int) *Pool { return limits.NewPool(workers, queueSize) }

// Run is limits.Run.
func Run[T any](ctx context.Context, p *Pool, fn func(context.Context) (T, error)) (T, error) {
	return limits.Run(ctx, p, fn)
}
