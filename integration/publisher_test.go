package integration

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeSink records what it is sent; fail decides each call's outcome (call counts from 1).
type fakeSink struct {
	mu    sync.Mutex
	calls int
	got   []Message
	fail  func(call int, batch []Message) error
}

func (s *fakeSink) Send(ctx context.Context, batch []Message) error {
	s.mu.Lock()
	s.calls++
	call, fail := s.calls, s.fail
	s.mu.Unlock()
	if fail != nil {
		if err := fail(call, batch); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.got = append(s.got, batch...)
	s.mu.Unlock()
	return nil
}
func (s *fakeSink) Check(context.Context) error { return nil }
func (s *fakeSink) Close() error                { return nil }

func (s *fakeSink) snapshot() (int, []Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, append([]Message(nil), s.got...)
}

func testOptions(dir string) PublisherOptions {
	o := DefaultPublisherOptions()
	o.Spool.Dir = dir
	o.Retry = RetryOptions{MaxAttempts: 3, Initial: Duration(time.Millisecond), Max: Duration(5 * time.Millisecond), Jitter: 0.2}
	o.Breaker = BreakerOptions{Failures: 5, OpenTimeout: Duration(20 * time.Millisecond), HalfOpenRequests: 1}
	o.Batch = BatchOptions{Size: 10, Linger: Duration(time.Millisecond)}
	return o
}

func newTestPublisher(t *testing.T, sink Sink, o PublisherOptions, m *Metrics, log *slog.Logger) *Publisher {
	t.Helper()
	p, err := NewPublisher("test", "fake", sink, o, m, log)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// crash stops a publisher the way a killed process would: no drain, no final fsync.
func crash(p *Publisher) {
	p.closed.Store(true)
	p.spool.stopWrites()
	p.cancel()
	<-p.done
	p.spool.closeFiles()
	p.sink.Close()
}

func publishRange(t *testing.T, p *Publisher, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := p.Publish(context.Background(), testMsg(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func checkKeys(t *testing.T, got []Message, from, to int) {
	t.Helper()
	if len(got) != to-from {
		t.Fatalf("delivered %d messages, want %d", len(got), to-from)
	}
	for i, m := range got {
		if want := testMsg(from + i).Key; m.Key != want {
			t.Fatalf("message %d has key %s, want %s (in order)", i, m.Key, want)
		}
	}
}

// TestPublisherDeliversInOrder: everything published is delivered once, in order, in
// batches no larger than batch.size, and the metrics count it.
func TestPublisherDeliversInOrder(t *testing.T) {
	sink := &fakeSink{fail: func(_ int, b []Message) error {
		if len(b) > 10 {
			return Permanent(fmt.Errorf("batch of %d > 10", len(b)))
		}
		return nil
	}}
	m := NewMetrics(prometheus.NewRegistry())
	p := newTestPublisher(t, sink, testOptions(t.TempDir()), m, nil)
	publishRange(t, p, 0, 95)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, got := sink.snapshot()
	checkKeys(t, got, 0, 95)
	if v := testutil.ToFloat64(m.sent.WithLabelValues("test", "fake")); v != 95 {
		t.Errorf("sent_total %v, want 95", v)
	}
	if v := testutil.ToFloat64(m.depth.WithLabelValues("test", "fake")); v != 0 {
		t.Errorf("spool_depth %v, want 0", v)
	}
	if v := testutil.ToFloat64(m.batches.WithLabelValues("test", "fake")); v < 10 || v > 95 {
		t.Errorf("batches_total %v, want 10..95", v)
	}
}

// TestPublisherRetries: transient failures are retried (counted in retries_total) until
// the batch goes through; nothing is dead-lettered.
func TestPublisherRetries(t *testing.T) {
	sink := &fakeSink{fail: func(call int, _ []Message) error {
		if call <= 2 {
			return errors.New("transient")
		}
		return nil
	}}
	m := NewMetrics(nil)
	o := testOptions(t.TempDir())
	p := newTestPublisher(t, sink, o, m, nil)
	publishRange(t, p, 0, 1)
	if err := p.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.Close(context.Background())
	_, got := sink.snapshot()
	checkKeys(t, got, 0, 1)
	if v := testutil.ToFloat64(m.retries.WithLabelValues("test", "fake")); v != 2 {
		t.Errorf("retries_total %v, want 2", v)
	}
	if v := testutil.ToFloat64(m.sendErrors.WithLabelValues("test", "fake")); v != 2 {
		t.Errorf("send_errors_total %v, want 2", v)
	}
	if _, err := os.Stat(filepath.Join(o.Spool.Dir, "dead-letter.jsonl")); err == nil {
		t.Error("a dead-letter file exists after transient failures")
	}
}

// TestPublisherDeadLetter: a permanent refusal is not retried; the batch goes to the
// dead-letter file with the reason, counts as failed, and later messages still flow.
func TestPublisherDeadLetter(t *testing.T) {
	sink := &fakeSink{fail: func(_ int, b []Message) error {
		if b[0].Key == testMsg(0).Key {
			return Permanent(errors.New("400 Bad Request: no"))
		}
		return nil
	}}
	m := NewMetrics(nil)
	o := testOptions(t.TempDir())
	o.Batch.Size = 1
	p := newTestPublisher(t, sink, o, m, nil)
	publishRange(t, p, 0, 3)
	p.Flush(context.Background())
	p.Close(context.Background())
	calls, got := sink.snapshot()
	checkKeys(t, got, 1, 3)
	if calls != 3 {
		t.Errorf("%d sends, want 3 (a refusal is not retried)", calls)
	}
	dl, err := os.ReadFile(filepath.Join(o.Spool.Dir, "dead-letter.jsonl"))
	if err != nil || !strings.Contains(string(dl), `"key":"k000000"`) || !strings.Contains(string(dl), "400 Bad Request") {
		t.Fatalf("dead-letter file: %q, %v", dl, err)
	}
	if v := testutil.ToFloat64(m.failed.WithLabelValues("test", "fake")); v != 1 {
		t.Errorf("failed_total %v, want 1", v)
	}
}

// TestPublisherCrashRecovery: messages spooled while the target fails are delivered by the
// next publisher on the same directory after a crash (no Close), in order.
func TestPublisherCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	down := &fakeSink{fail: func(int, []Message) error { return errors.New("down") }}
	p := newTestPublisher(t, down, testOptions(dir), nil, nil)
	publishRange(t, p, 0, 50)
	crash(p)

	// The target holds the first delivery until the spool depth has been read: the new
	// publisher starts sending at once, and could otherwise have emptied the spool already.
	gate := make(chan struct{})
	up := &fakeSink{fail: func(int, []Message) error { <-gate; return nil }}
	p = newTestPublisher(t, up, testOptions(dir), nil, nil)
	if h := p.Health(); h.SpoolDepth != 50 {
		t.Errorf("spool depth after restart %d, want 50", h.SpoolDepth)
	}
	close(gate)
	publishRange(t, p, 50, 60)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, got := up.snapshot()
	checkKeys(t, got, 0, 60)
}

// TestPublisherCloseKeepsUndelivered: Close with the target down gives up when its context
// ends, says how much it kept, and the next publisher delivers it.
func TestPublisherCloseKeepsUndelivered(t *testing.T) {
	dir := t.TempDir()
	down := &fakeSink{fail: func(int, []Message) error { return errors.New("down") }}
	p := newTestPublisher(t, down, testOptions(dir), nil, nil)
	publishRange(t, p, 0, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := p.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "5 messages kept in the spool") {
		t.Fatalf("Close: %v, want an error saying 5 messages are kept", err)
	}
	if err := p.Publish(context.Background(), testMsg(9)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close: %v, want ErrClosed", err)
	}
	up := &fakeSink{}
	p = newTestPublisher(t, up, testOptions(dir), nil, nil)
	p.Close(context.Background())
	_, got := up.snapshot()
	checkKeys(t, got, 0, 5)
}

// TestPublishRejectsInvalid: a value that is not JSON is refused at Publish, and a message
// without key or time gets them.
func TestPublishRejectsInvalid(t *testing.T) {
	sink := &fakeSink{}
	p := newTestPublisher(t, sink, testOptions(t.TempDir()), nil, nil)
	defer p.Close(context.Background())
	if err := p.Publish(context.Background(), Message{Key: "a", Value: []byte("{nope")}); err == nil {
		t.Fatal("invalid JSON accepted")
	}
	if err := p.Publish(context.Background(), Message{Value: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	p.Flush(context.Background())
	_, got := sink.snapshot()
	if len(got) != 1 || len(got[0].Key) != 32 || got[0].Time.IsZero() {
		t.Fatalf("got %+v, want one message with a generated key and a time", got)
	}
}

// transitionLog collects the publisher's "circuit breaker" log records as "from>to".
type transitionLog struct {
	mu  sync.Mutex
	got []string
}

func (l *transitionLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *transitionLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "circuit breaker" {
		return nil
	}
	var from, to string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "from":
			from = a.Value.String()
		case "to":
			to = a.Value.String()
		}
		return true
	})
	l.mu.Lock()
	l.got = append(l.got, from+">"+to)
	l.mu.Unlock()
	return nil
}
func (l *transitionLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *transitionLog) WithGroup(string) slog.Handler      { return l }

// TestBreakerTransitions walks the breaker through closed → open → half-open → open (a
// failed trial) → half-open → closed on a fake clock, checking Health and the gauge at each
// step, and that an open breaker keeps calls away from the target.
func TestBreakerTransitions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		sink := &fakeSink{fail: func(call int, _ []Message) error {
			switch {
			case call <= 4:
				return errors.New("503")
			case call == 5:
				<-release // the second trial: hold it to observe half-open
			}
			return nil
		}}
		o := testOptions(t.TempDir())
		o.Retry = RetryOptions{MaxAttempts: 1, Initial: Duration(time.Second), Max: Duration(time.Second)}
		o.Breaker = BreakerOptions{Failures: 3, OpenTimeout: Duration(10 * time.Second), HalfOpenRequests: 1}
		o.Batch = BatchOptions{Size: 1}
		m := NewMetrics(nil)
		tl := &transitionLog{}
		p := newTestPublisher(t, sink, o, m, slog.New(tl))
		defer func() { // on failure too, or the bubble reports a deadlock instead
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			select {
			case <-release:
			default:
				close(release)
			}
			p.Close(ctx)
		}()
		gauge := func() float64 { return testutil.ToFloat64(m.breaker.WithLabelValues("test", "fake")) }
		step := func(d time.Duration, calls int, state BreakerState) {
			t.Helper()
			time.Sleep(d)
			synctest.Wait()
			h := p.Health()
			if n, _ := sink.snapshot(); n != calls || h.Breaker != state || h.Healthy != (state != BreakerOpen) || gauge() != breakerValue(state) {
				t.Fatalf("after %v: %d calls, breaker %s (healthy %v, gauge %v); want %d calls, %s",
					d, n, h.Breaker, h.Healthy, gauge(), calls, state)
			}
		}
		publishRange(t, p, 0, 1)
		step(0, 1, BreakerClosed)
		step(time.Second, 2, BreakerClosed)
		step(time.Second, 3, BreakerOpen)   // third consecutive failure trips it
		step(9*time.Second, 3, BreakerOpen) // open: no calls
		// gobreaker turns half-open strictly after the timeout; the publisher looks 1ms later.
		step(time.Second+10*time.Millisecond, 4, BreakerOpen) // the trial failed: open again
		step(10*time.Second, 5, BreakerHalfOpen)              // the next trial is in flight
		close(release)
		step(0, 5, BreakerClosed)
		_, got := sink.snapshot()
		checkKeys(t, got, 0, 1)
		want := "closed>open open>half-open half-open>open open>half-open half-open>closed"
		if s := strings.Join(tl.got, " "); s != want {
			t.Fatalf("transitions %q, want %q", s, want)
		}
		if h := p.Health(); h.LastError != "503" {
			t.Errorf("LastError %q, want 503", h.LastError)
		}
	})
}

// TestPublisherOptionsValidate: each bad option is named with its value and the range.
func TestPublisherOptionsValidate(t *testing.T) {
	o := testOptions(t.TempDir())
	if err := o.Validate(); err != nil {
		t.Fatalf("good options: %v", err)
	}
	for _, tc := range []struct {
		mut  func(*PublisherOptions)
		want string
	}{
		{func(o *PublisherOptions) { o.Retry.MaxAttempts = 0 }, "retry.max_attempts: 0 is not allowed (want 1..100)"},
		{func(o *PublisherOptions) { o.Retry.Jitter = 1.5 }, "retry.jitter: 1.5 is not allowed (want 0..1)"},
		{func(o *PublisherOptions) {
			o.Retry.Initial = Duration(time.Second)
			o.Retry.Max = Duration(time.Millisecond)
		}, "retry.max: 1ms is not allowed (want at least retry.initial (1s))"},
		{func(o *PublisherOptions) { o.Breaker.Failures = -1 }, "breaker.failures: -1 is not allowed (want 1..1000)"},
		{func(o *PublisherOptions) { o.Breaker.OpenTimeout = 0 }, "breaker.open_timeout: 0s is not allowed (want 1ms..1h0m0s)"},
		{func(o *PublisherOptions) { o.Breaker.HalfOpenRequests = 0 }, "breaker.half_open_requests: 0 is not allowed (want 1..100)"},
		{func(o *PublisherOptions) { o.Batch.Size = 0 }, "batch.size: 0 is not allowed"},
		{func(o *PublisherOptions) { o.Batch.Linger = Duration(-time.Second) }, "batch.linger: -1s is not allowed (want 0s..1m0s)"},
		{func(o *PublisherOptions) { o.Spool.Dir = "" }, `spool.dir: "" is not allowed`},
		{func(o *PublisherOptions) { o.Spool.MaxBytes = 10 }, "spool.max_bytes: 10 is not allowed (want 0 for no bound, or at least 65536)"},
	} {
		o := testOptions("x")
		tc.mut(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	if _, err := NewPublisher("p", "fake", &fakeSink{}, PublisherOptions{}, nil, nil); err == nil || !strings.Contains(err.Error(), "publisher p: ") {
		t.Errorf("NewPublisher with zero options: %v, want an error naming the publisher", err)
	}
}

// TestPublishRacingClose: every Publish that returned nil is delivered, by this publisher
// or the next one on the spool, even when Close lands in the middle of concurrent Publishes.
func TestPublishRacingClose(t *testing.T) {
	dir := t.TempDir()
	first := &fakeSink{}
	p := newTestPublisher(t, first, testOptions(dir), nil, nil)
	var mu sync.Mutex
	accepted := map[string]bool{}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; ; i += 4 {
				m := testMsg(i)
				if err := p.Publish(context.Background(), m); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Error(err)
					}
					return
				}
				mu.Lock()
				accepted[m.Key] = true
				mu.Unlock()
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	p.Close(ctx) // may leave some in the spool
	cancel()
	wg.Wait()
	second := &fakeSink{}
	p = newTestPublisher(t, second, testOptions(dir), nil, nil)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, a := first.snapshot()
	_, b := second.snapshot()
	got := map[string]bool{}
	for _, m := range append(a, b...) {
		got[m.Key] = true
	}
	if len(accepted) == 0 {
		t.Fatal("nothing was published")
	}
	for k := range accepted {
		if !got[k] {
			t.Fatalf("accepted %s was never delivered (%d accepted, %d delivered)", k, len(accepted), len(got))
		}
	}
}
