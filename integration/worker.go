package integration

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"
)

// ProcessFunc turns one request into its result. An error means the request cannot be run
// (bad input): the worker publishes an error result for it instead (see ErrorResult) and
// commits it, so a bad request neither crashes nor blocks the worker.
type ProcessFunc func(ctx context.Context, req Message) (Message, error)

// PublishFunc makes a result durable (a Hub route or a Publisher); it must be safe for
// concurrent use when the worker runs with concurrency above 1.
type PublishFunc func(ctx context.Context, result Message) error

// RunWorker is RunWorkerN with one request at a time.
func RunWorker(ctx context.Context, src Source, process ProcessFunc, pub PublishFunc, log *slog.Logger) error {
	return RunWorkerN(ctx, src, 1, process, pub, log)
}

// RunWorkerN consumes src until ctx ends: poll, process each delivery (up to n at once),
// publish each result (returning once it is durable), then commit the deliveries whose
// results were published. When ctx ends it starts no new request, lets the publishes of
// finished ones complete, commits exactly those and returns nil; the rest stay uncommitted
// and are handed out again (to this worker after a restart, or to another group member).
func RunWorkerN(ctx context.Context, src Source, n int, process ProcessFunc, pub PublishFunc, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n = max(n, 1)
	pollBackoff := newBackoff(RetryOptions{Initial: Duration(100 * time.Millisecond), Max: Duration(10 * time.Second), Jitter: 0.2})
	for {
		ds, err := src.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			wait := pollBackoff.NextBackOff()
			log.Warn("poll failed; polling again", "error", err, "in", wait.String())
			sleep(ctx, wait)
			continue
		}
		pollBackoff.Reset()
		published := handleBatch(ctx, ds, n, process, pub, log)
		if len(published) == 0 {
			continue
		}
		// The commit outlives ctx: what was published must be committed even when stopping.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err = src.Commit(cctx, published)
		cancel()
		if err != nil {
			log.Error("commit failed; the requests will be handed out again", "requests", len(published), "error", err)
		}
	}
}

// handleBatch processes and publishes ds, n at a time, and returns the deliveries whose
// results are durable, in their original order.
func handleBatch(ctx context.Context, ds []Delivery, n int, process ProcessFunc, pub PublishFunc, log *slog.Logger) []Delivery {
	ok := make([]bool, len(ds))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i := range ds {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ok[i] = handleOne(ctx, ds[i], process, pub, log)
		}()
	}
	wg.Wait()
	var out []Delivery
	for i, d := range ds {
		if ok[i] {
			out = append(out, d)
		}
	}
	return out
}

// handleOne runs one request and publishes its result, retrying the publish (a full spool
// drains as the target recovers) until it succeeds or ctx ends.
func handleOne(ctx context.Context, d Delivery, process ProcessFunc, pub PublishFunc, log *slog.Logger) bool {
	res, err := process(ctx, d.Message)
	if ctx.Err() != nil && err != nil {
		return false // stopped mid-run: not handled
	}
	if err != nil {
		log.Warn("request refused; publishing an error result", "origin", d.Origin, "key", d.Key, "error", err)
		res = ErrorResult(d.Message, err)
	}
	bo := newBackoff(RetryOptions{Initial: Duration(50 * time.Millisecond), Max: Duration(5 * time.Second), Jitter: 0.2})
	pctx := context.WithoutCancel(ctx) // a finished result is published even when stopping
	for {
		err := pub(pctx, res)
		if err == nil {
			return true
		}
		wait := bo.NextBackOff()
		log.Warn("publishing a result failed; retrying", "origin", d.Origin, "key", res.Key, "error", err, "in", wait.String())
		if !sleep(ctx, wait) {
			return false
		}
	}
}

// ErrorResult is the result published for a request that could not be run: its key, with
// {"error": …, "request": …} as value (the request as JSON, or as a string when it is not
// JSON).
func ErrorResult(req Message, err error) Message {
	var request any = req.Value
	if !json.Valid(req.Value) {
		request = string(req.Value)
	}
	v, _ := json.Marshal(struct {
		Error   string `json:"error"`
		Request any    `json:"request"`
	}{err.Error(), request})
	return Message{Key: req.Key, Value: v, Time: time.Now().UTC(), Trace: req.Trace}
}
