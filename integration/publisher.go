package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultPublisherOptions are the settings a publisher gets for what its configuration
// leaves out. Spool.Dir has no default: every publisher needs a directory of its own that
// survives restarts, which only the deployment knows (the hub derives it from its spool
// root and the publisher's name).
func DefaultPublisherOptions() PublisherOptions {
	return PublisherOptions{
		Retry:   RetryOptions{MaxAttempts: 5, Initial: Duration(100 * time.Millisecond), Max: Duration(10 * time.Second), Jitter: 0.2},
		Breaker: BreakerOptions{Failures: 5, OpenTimeout: Duration(10 * time.Second), HalfOpenRequests: 1},
		Batch:   BatchOptions{Size: 100, Linger: Duration(50 * time.Millisecond)},
		Spool:   SpoolOptions{MaxBytes: 1 << 30},
	}
}

// Validate checks every option and returns one error per bad field, each naming the field
// path, the value and what is allowed.
func (o PublisherOptions) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("%s: %v is not allowed (want %s)", field, v, want))
	}
	durIn := func(field string, d Duration, lo, hi time.Duration) {
		if d.D() < lo || d.D() > hi {
			bad(field, d.D(), fmt.Sprintf("%v..%v", lo, hi))
		}
	}
	if r := o.Retry; r.MaxAttempts < 1 || r.MaxAttempts > 100 {
		bad("retry.max_attempts", r.MaxAttempts, "1..100")
	}
	durIn("retry.initial", o.Retry.Initial, time.Millisecond, time.Hour)
	durIn("retry.max", o.Retry.Max, time.Millisecond, time.Hour)
	if o.Retry.Max < o.Retry.Initial {
		bad("retry.max", o.Retry.Max.D(), fmt.Sprintf("at least retry.initial (%v)", o.Retry.Initial.D()))
	}
	if j := o.Retry.Jitter; !(j >= 0 && j <= 1) {
		bad("retry.jitter", j, "0..1")
	}
	if f := o.Breaker.Failures; f < 1 || f > 1000 {
		bad("breaker.failures", f, "1..1000")
	}
	durIn("breaker.open_timeout", o.Breaker.OpenTimeout, time.Millisecond, time.Hour)
	if h := o.Breaker.HalfOpenRequests; h < 1 || h > 100 {
		bad("breaker.half_open_requests", h, "1..100")
	}
	if s := o.Batch.Size; s < 1 || s > 100_000 {
		bad("batch.size", s, "1..100000; 1 disables batching")
	}
	durIn("batch.linger", o.Batch.Linger, 0, time.Minute)
	if o.Spool.Dir == "" {
		errs = append(errs, errors.New(`spool.dir: "" is not allowed (want a directory of this publisher's own, kept across restarts)`))
	}
	if m := o.Spool.MaxBytes; m != 0 && m < minSegSize {
		bad("spool.max_bytes", m, fmt.Sprintf("0 for no bound, or at least %d", minSegSize))
	}
	return errors.Join(errs...)
}

// Publisher delivers messages to one target with nothing lost: Publish writes them to the
// durable spool, and one goroutine the publisher owns reads the spool in order, batches,
// sends through the circuit breaker with retries, and acks what the target took. A crash
// or an outage leaves undelivered messages in the spool for the next publisher on the same
// directory (at-least-once: receivers de-duplicate by Message.Key).
type Publisher struct {
	name, typ string
	sink      Sink
	opts      PublisherOptions
	spool     *spool
	br        *breaker
	m         pubMetrics
	log       *slog.Logger

	closed atomic.Bool
	cancel context.CancelFunc
	done   chan struct{}

	mu          sync.Mutex
	lastErr     string
	lastErrTime time.Time
	checkErr    error
}

// NewPublisher opens (and recovers) the spool in opts.Spool.Dir and starts the delivery
// goroutine. The publisher owns sink and closes it in Close. m and log may be nil.
func NewPublisher(name, typ string, sink Sink, opts PublisherOptions, m *Metrics, log *slog.Logger) (*Publisher, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("publisher %s: %w", name, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("publisher", name, "type", typ)
	sp, err := openSpool(opts.Spool.Dir, opts.Spool.MaxBytes, log)
	if err != nil {
		return nil, fmt.Errorf("publisher %s: %w", name, err)
	}
	p := &Publisher{name: name, typ: typ, sink: sink, opts: opts, spool: sp, m: m.forPublisher(name, typ),
		log: log, done: make(chan struct{})}
	p.br = newBreaker(name, opts.Breaker, func(from, to BreakerState) {
		p.m.breaker.Set(breakerValue(to))
		p.log.Warn("circuit breaker", "from", from, "to", to)
	})
	p.m.breaker.Set(0)
	p.updateDepth()
	if sp.recovered > 0 || sp.corruption > 0 {
		log.Info("spool recovered", "undelivered", sp.recovered, "damaged_tails_cut", sp.corruption)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go p.run(ctx)
	return p, nil
}

// Publish returns once msgs are durable in the spool. A message without a Key gets a random
// one and one without a Time gets the current time; a Value must be JSON. Publish fails,
// and keeps nothing of msgs, when the publisher is closed, the spool is full or a message
// is invalid.
func (p *Publisher) Publish(ctx context.Context, msgs ...Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.closed.Load() {
		return fmt.Errorf("publisher %s: %w", p.name, ErrClosed)
	}
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		if !json.Valid(m.Value) {
			return fmt.Errorf("publisher %s: message %d (key %q): value is not JSON", p.name, i, m.Key)
		}
		if m.Key == "" {
			m.Key = newKey()
		}
		if m.Time.IsZero() {
			m.Time = time.Now()
		}
		m.Time = m.Time.UTC()
		out[i] = m
	}
	if err := p.spool.append(out); err != nil {
		return fmt.Errorf("publisher %s: %w", p.name, err)
	}
	p.updateDepth()
	return nil
}

// newKey is a random idempotency key (128 bits, hex).
func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Flush waits until everything published so far is delivered (or dead-lettered), or ctx
// ends.
func (p *Publisher) Flush(ctx context.Context) error {
	if err := p.spool.waitAcked(ctx); err != nil {
		d, _ := p.spool.stats()
		return fmt.Errorf("publisher %s: flush: %d messages undelivered: %w", p.name, d, err)
	}
	return nil
}

// Check runs the sink's health check and remembers the result for Health.
func (p *Publisher) Check(ctx context.Context) error {
	err := p.sink.Check(ctx)
	p.mu.Lock()
	p.checkErr = err
	p.mu.Unlock()
	if err != nil {
		p.noteErr(fmt.Errorf("check: %w", err))
	}
	return err
}

// Health is the publisher's state for /health/connectors: unhealthy while the breaker is
// open or the last Check failed.
func (p *Publisher) Health() Health {
	st := p.br.state()
	p.m.breaker.Set(breakerValue(st)) // open→half-open happens lazily; show it here too
	depth, _ := p.spool.stats()
	p.mu.Lock()
	defer p.mu.Unlock()
	return Health{Name: p.name, Kind: "publisher", Type: p.typ, Required: p.opts.Required,
		Healthy: st != BreakerOpen && p.checkErr == nil, Breaker: st, SpoolDepth: depth,
		LastError: p.lastErr, LastErrorTime: p.lastErrTime}
}

// Close stops accepting messages, keeps delivering until the spool is empty or ctx ends,
// then stops the delivery goroutine and closes the spool and the sink. Whatever is still
// undelivered stays in the spool for the next publisher on the same directory; Close then
// returns an error saying how much.
func (p *Publisher) Close(ctx context.Context) error {
	if !p.closed.CompareAndSwap(false, true) {
		return nil
	}
	p.spool.stopWrites()
	drainErr := p.spool.waitAcked(ctx)
	p.cancel()
	<-p.done
	depth, _ := p.spool.stats()
	err := errors.Join(p.spool.close(), p.sink.Close())
	if drainErr != nil {
		err = errors.Join(fmt.Errorf("publisher %s: closed with %d messages kept in the spool: %w", p.name, depth, drainErr), err)
	}
	return err
}

func (p *Publisher) noteErr(err error) {
	p.mu.Lock()
	p.lastErr, p.lastErrTime = err.Error(), time.Now().UTC()
	p.mu.Unlock()
}

func (p *Publisher) updateDepth() {
	d, b := p.spool.stats()
	p.m.depth.Set(float64(d))
	p.m.bytes.Set(float64(b))
}
