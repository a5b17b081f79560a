//go:build !nokafka

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"mfn/integration"
)

// e2eTracker pairs each message sent with its delivery, by key: the load test's keys carry a
// run ID, so deliveries of other runs (or of another producer) sharing the topic are ignored.
type e2eTracker struct {
	prefix string
	slots  chan struct{} // one per message in flight (--concurrency); freed by its delivery

	mu            sync.Mutex
	sent          map[string]time.Time // in flight
	done          map[string]bool
	lat           []time.Duration
	first, last   time.Time // first send, last delivery
	dups, errRes  int
	produceErrs   int
	warm          bool // a warm-up message came back
	firstErr      string
	firstErrValue string
}

func newTracker(prefix string, concurrency int) *e2eTracker {
	return &e2eTracker{prefix: prefix, slots: make(chan struct{}, concurrency),
		sent: map[string]time.Time{}, done: map[string]bool{}}
}

// acquire takes a slot for one more message in flight; false when ctx ended first.
func (t *e2eTracker) acquire(ctx context.Context) bool {
	select {
	case t.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (t *e2eTracker) release() {
	select {
	case <-t.slots:
	default:
	}
}

// sending records the send time of key.
func (t *e2eTracker) sending(key string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.first.IsZero() {
		t.first = at
	}
	t.sent[key] = at
}

// failed records a send that failed: the message will never arrive.
func (t *e2eTracker) failed(key string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.sent[key]; !ok {
		return
	}
	delete(t.sent, key)
	t.produceErrs++
	if t.firstErr == "" {
		t.firstErr = err.Error()
	}
	t.release()
}

// delivered records the arrival of key at the far end; value tells an error result apart.
func (t *e2eTracker) delivered(key string, value []byte, at time.Time) {
	if len(key) <= len(t.prefix) || key[:len(t.prefix)] != t.prefix {
		return // another run's message
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if key[len(t.prefix):][0] == 'w' { // warm-up
		t.warm = true
		return
	}
	sentAt, ok := t.sent[key]
	if !ok {
		if t.done[key] {
			t.dups++ // at-least-once: a redelivery
		}
		return
	}
	delete(t.sent, key)
	t.done[key] = true
	t.lat = append(t.lat, at.Sub(sentAt))
	t.last = at
	if isErrorResult(value) {
		t.errRes++
		if t.firstErrValue == "" {
			t.firstErrValue = string(value)
		}
	}
	t.release()
}

func (t *e2eTracker) inFlight() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.sent)
}

func (t *e2eTracker) warmedUp() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.warm
}

// isErrorResult says whether a delivered value is the worker's error result for a request it
// could not run ({"error": …, "request": …}).
func isErrorResult(v []byte) bool {
	if !bytes.HasPrefix(bytes.TrimSpace(v), []byte(`{"error"`)) {
		return false
	}
	var r struct {
		Error   string          `json:"error"`
		Request json.RawMessage `json:"request"`
	}
	return json.Unmarshal(v, &r) == nil && r.Error != ""
}

// consumeResults reads topic from its current end (the offsets listed before the run starts,
// so nothing published during the run is missed) until ctx ends, reporting every record to t.
func consumeResults(ctx context.Context, brokers []string, topic string, t *e2eTracker) (stop func(), err error) {
	admin, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	ends, err := kadm.NewClient(admin).ListEndOffsets(lctx, topic)
	cancel()
	admin.Close()
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("listing the end offsets of %s: %w", topic, err)
	}
	offsets := map[string]map[int32]kgo.Offset{topic: {}}
	ends.Each(func(o kadm.ListedOffset) { offsets[topic][o.Partition] = kgo.NewOffset().At(o.Offset) })
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumePartitions(offsets), kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	cctx, cancelPoll := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for cctx.Err() == nil {
			fs := cl.PollFetches(cctx)
			now := time.Now()
			fs.EachRecord(func(r *kgo.Record) { t.delivered(string(r.Key), r.Value, now) })
		}
	}()
	return func() { cancelPoll(); <-done; cl.Close() }, nil
}

// webhookSink is an HTTP receiver of the webhook publisher's batches on loopback: it checks
// each body's signature, as a real receiver must, and reports every message to t.
func webhookSink(secret []byte, t *e2eTracker) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusOK) // health probes
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
		now := time.Now()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := integration.VerifyWebhook(secret, r.Header, body, 5*time.Minute, now); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var b integration.WebhookBody
		if err := json.Unmarshal(body, &b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, m := range b.Messages {
			t.delivered(m.Key, m.Value, now)
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the run notices: nothing is delivered
		}
	}()
	return "http://" + ln.Addr().String() + "/results", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}
