// Package integration moves work across the service's edges: connectors bring simulation
// requests in (a REST poller, a directory of JSON files, a Kafka consumer group) and
// publishers take results out (webhooks, Kafka, files). Every publisher puts its target behind
// retries with backoff and jitter, a circuit breaker, batching and a durable spool, so that an
// outage or a crash loses nothing (see docs/adr/0020-integrations.md).
//
// The contract is small: a Sink delivers a batch to one target, a Publisher wraps a Sink with
// the reliability machinery, a Source yields requests and commits them once their results are
// published.
package integration

import (
	"context"
	"encoding/json"
	"time"
)

// Message is one record crossing an edge: a JSON value and a key unique to it. The key is the
// idempotency key receivers de-duplicate on (header Idempotency-Key on webhooks, the record
// key on Kafka), so a message re-delivered after a crash or a retry is recognisable.
type Message struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
	// Time is when the message was made (UTC); publishers pass it on where the target has a
	// place for it.
	Time time.Time `json:"time"`
	// Trace is the W3C traceparent of the work that made the message ("" for none): spooled
	// with it, sent as the Kafka record header and the webhook header traceparent, and read
	// back by the Kafka and REST sources, so that a trace crosses the processes (trace.go).
	Trace string `json:"trace,omitempty"`
}

// Sink delivers batches to one target. Send either delivers the whole batch or returns an
// error (a partial delivery may happen; the idempotency keys make the retry harmless).
// Sinks need not be safe for concurrent use: a Publisher calls one Send at a time.
type Sink interface {
	Send(ctx context.Context, batch []Message) error
	// Check probes the target without delivering anything (the health check).
	Check(ctx context.Context) error
	Close() error
}

// Delivery is a message taken from a Source, to be committed once handled.
type Delivery struct {
	Message
	// Origin names where it came from (topic/partition/offset, file name, URL), for logs.
	Origin string
	// commit is the source's own bookkeeping (Kafka record, file path, …).
	commit any
}

// Source yields requests from upstream. Poll blocks until at least one delivery is ready,
// the context ends, or the source fails. Commit marks deliveries as done: a source never
// hands out again what was committed, and after a crash or restart hands out again whatever
// was not (at-least-once; Message.Key lets downstream de-duplicate).
type Source interface {
	Poll(ctx context.Context) ([]Delivery, error)
	Commit(ctx context.Context, ds []Delivery) error
	Check(ctx context.Context) error
	Close() error
}

// BreakerState is a circuit breaker's state, as reported by health checks and the
// mfn_integration_breaker_state gauge (0 closed, 1 half-open, 2 open).
type BreakerState string

const (
	BreakerClosed   BreakerState = "closed"
	BreakerHalfOpen BreakerState = "half-open"
	BreakerOpen     BreakerState = "open"
)

// Health is one connector's or publisher's state, as GET /health/connectors reports it.
type Health struct {
	Name string `json:"name"`
	// Kind is "connector" or "publisher"; Type is the target type (rest, file, kafka, webhook).
	Kind     string `json:"kind"`
	Type     string `json:"type"`
	Healthy  bool   `json:"healthy"`
	Required bool   `json:"required"`
	// Breaker is empty for connectors without one.
	Breaker    BreakerState `json:"breaker,omitempty"`
	SpoolDepth int64        `json:"spool_depth"`
	LastError  string       `json:"last_error,omitempty"`
	// LastErrorTime is zero when there was none.
	LastErrorTime time.Time `json:"last_error_time,omitzero"`
}
