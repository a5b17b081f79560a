package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// RESTSourceConfig is a REST poller: GET url answers a JSON array of requests, or one
// request object, or 204/[] when there is nothing. With ack_url set, Commit POSTs
// {"keys":[…]} there and the upstream should hand out again whatever it did not see
// acknowledged; without it the upstream is trusted to hand each request out once (a popping
// queue), and a worker crash between poll and publish loses that poll's requests.
type RESTSourceConfig struct {
	URL       string            `yaml:"url" json:"url"`
	AckURL    string            `yaml:"ack_url" json:"ack_url"`
	HealthURL string            `yaml:"health_url" json:"health_url"`
	Headers   map[string]string `yaml:"headers" json:"headers"`
	// Interval is the wait after a poll that found nothing.
	Interval Duration `yaml:"interval" json:"interval"`
	// Timeout bounds one request, body included.
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// The connection pool (0: defaults 16 in total, 4 per host, 16 idle, 90s).
	PoolOptions `yaml:",inline"`
	// MaxBytes bounds a response body.
	MaxBytes int64 `yaml:"max_bytes" json:"max_bytes"`
	// Retry and Breaker guard the poll (zero fields take the publishers' defaults).
	Retry   RetryOptions   `yaml:"retry" json:"retry"`
	Breaker BreakerOptions `yaml:"breaker" json:"breaker"`
}

// Defaults fills unset fields.
func (c *RESTSourceConfig) Defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defD := func(v *Duration, d time.Duration) {
		if *v == 0 {
			*v = Duration(d)
		}
	}
	defD(&c.Interval, time.Second)
	defD(&c.Timeout, 10*time.Second)
	c.PoolOptions.withDefaults(4, 16)
	if c.MaxBytes == 0 {
		c.MaxBytes = 16 << 20
	}
	d := DefaultPublisherOptions()
	def(&c.Retry.MaxAttempts, d.Retry.MaxAttempts)
	defD(&c.Retry.Initial, d.Retry.Initial.D())
	defD(&c.Retry.Max, d.Retry.Max.D())
	if c.Retry.Jitter == 0 {
		c.Retry.Jitter = d.Retry.Jitter
	}
	def(&c.Breaker.Failures, d.Breaker.Failures)
	defD(&c.Breaker.OpenTimeout, d.Breaker.OpenTimeout.D())
	def(&c.Breaker.HalfOpenRequests, d.Breaker.HalfOpenRequests)
}

// Validate reports every bad field.
func (c RESTSourceConfig) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("%s: %v is not allowed (want %s)", field, v, want))
	}
	for _, u := range []struct {
		field, v string
		required bool
	}{{"url", c.URL, true}, {"ack_url", c.AckURL, false}, {"health_url", c.HealthURL, false}} {
		if u.v == "" && !u.required {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad(u.field, strconv.Quote(u.v), "an absolute http:// or https:// URL")
		}
	}
	durIn := func(field string, d Duration, lo, hi time.Duration) {
		if d.D() < lo || d.D() > hi {
			bad(field, d.D(), fmt.Sprintf("%v..%v", lo, hi))
		}
	}
	durIn("interval", c.Interval, 10*time.Millisecond, time.Hour)
	durIn("timeout", c.Timeout, time.Millisecond, 10*time.Minute)
	c.PoolOptions.check(bad)
	if c.MaxBytes < 1024 {
		bad("max_bytes", c.MaxBytes, "at least 1024")
	}
	// The publisher options' own checks, for the two blocks a REST source shares with them.
	o := DefaultPublisherOptions()
	o.Retry, o.Breaker, o.Spool.Dir = c.Retry, c.Breaker, "-"
	errs = append(errs, o.Validate())
	return errors.Join(errs...)
}

// RESTSource polls an HTTP endpoint over a pooled client.
type RESTSource struct {
	cfg    RESTSourceConfig
	client *http.Client
	br     *breaker
}

// restCommit is a Delivery's bookkeeping: nothing beyond its key.
type restCommit struct{}

// NewRESTSource builds the pooled client.
func NewRESTSource(cfg RESTSourceConfig) (*RESTSource, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tr := cfg.transport(cfg.Timeout.D())
	return &RESTSource{cfg: cfg, client: &http.Client{Transport: tr, Timeout: cfg.Timeout.D()},
		br: newBreaker("rest "+cfg.URL, cfg.Breaker, nil)}, nil
}

// Poll GETs the URL until it answers requests, retrying failures with backoff through the
// breaker; after retry.max_attempts failures in a row it returns the last error (the caller
// polls again later). A breaker that is open makes Poll wait for its half-open trial.
func (s *RESTSource) Poll(ctx context.Context) ([]Delivery, error) {
	bo := newBackoff(s.cfg.Retry)
	failures := 0
	for {
		var ds []Delivery
		err := s.br.do(func() error {
			var err error
			ds, err = s.fetch(ctx)
			return err
		})
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err == nil && len(ds) > 0:
			return ds, nil
		case err == nil:
			bo.Reset()
			failures = 0
			if !sleep(ctx, s.cfg.Interval.D()) {
				return nil, ctx.Err()
			}
			continue
		}
		failures++
		if failures >= s.cfg.Retry.MaxAttempts {
			return nil, fmt.Errorf("rest source %s: %d attempts failed: %w", s.cfg.URL, failures, err)
		}
		wait := bo.NextBackOff()
		if errors.Is(err, ErrBreakerOpen) {
			wait = max(wait, s.br.untilHalfOpen())
		}
		if ra := retryAfter(err); ra > 0 {
			wait = ra
		}
		if !sleep(ctx, wait) {
			return nil, ctx.Err()
		}
	}
}

// fetch is one GET.
func (s *RESTSource) fetch(ctx context.Context) ([]Delivery, error) {
	body, status, tp, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNoContent {
		return nil, nil
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, nil
	}
	var items []json.RawMessage
	if body[0] == '[' {
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, fmt.Errorf("GET %s: body is not a JSON array of requests: %w", s.cfg.URL, err)
		}
	} else if json.Valid(body) {
		items = []json.RawMessage{body}
	} else {
		return nil, fmt.Errorf("GET %s: body is not JSON", s.cfg.URL)
	}
	now := time.Now().UTC()
	ds := make([]Delivery, len(items))
	for i, it := range items {
		ds[i] = Delivery{Message: Message{Key: restKey(it), Value: it, Time: now, Trace: tp},
			Origin: fmt.Sprintf("rest:%s#%d", s.cfg.URL, i), commit: restCommit{}}
	}
	return ds, nil
}

// restKey is the request's own "key" (or "id") when it is a string, else a digest of the
// request: the same request polled twice gets the same key, so its results de-duplicate.
func restKey(item json.RawMessage) string {
	if s, ok := requestKey(item); ok {
		return s
	}
	h := sha256.Sum256(item)
	return "rest:" + hex.EncodeToString(h[:12])
}

// do sends one request and reads the body (doHeader, without the response header).
func (s *RESTSource) do(ctx context.Context, method, u string, body []byte) ([]byte, int, error) {
	data, status, _, err := s.doHeader(ctx, method, u, body)
	return data, status, err
}

// get is the poll's GET, with the response's traceparent (a valid one, else ""): the
// requests of one response continue the trace of the service that answered.
func (s *RESTSource) get(ctx context.Context) ([]byte, int, string, error) {
	data, status, h, err := s.doHeader(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return nil, 0, "", err
	}
	return data, status, validTrace(h.Get(TraceHeader)), nil
}

// doHeader sends one request and reads the body; HTTP ≥ 400 and transport failures are errors
// (4xx other than 408/429 permanent, the rest retryable, Retry-After honoured).
func (s *RESTSource) doHeader(ctx context.Context, method, u string, body []byte) ([]byte, int, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, 0, nil, Permanent(err)
	}
	for k, v := range s.cfg.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxBytes+1))
	if err != nil {
		return nil, 0, nil, fmt.Errorf("%s %s: reading the body: %w", method, u, err)
	}
	if int64(len(data)) > s.cfg.MaxBytes {
		return nil, 0, nil, fmt.Errorf("%s %s: body exceeds max_bytes (%d)", method, u, s.cfg.MaxBytes)
	}
	if resp.StatusCode >= 400 {
		err := fmt.Errorf("%s %s: HTTP %d", method, u, resp.StatusCode)
		switch {
		case resp.StatusCode == 429 || resp.StatusCode == 503:
			return nil, 0, nil, &RetryAfterError{Err: err, After: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
		case resp.StatusCode >= 500 || resp.StatusCode == 408:
			return nil, 0, nil, err
		default:
			return nil, 0, nil, Permanent(err)
		}
	}
	return data, resp.StatusCode, resp.Header, nil
}

// Commit POSTs the deliveries' keys to ack_url (nothing to do without one).
func (s *RESTSource) Commit(ctx context.Context, ds []Delivery) error {
	if s.cfg.AckURL == "" || len(ds) == 0 {
		return nil
	}
	keys := make([]string, len(ds))
	for i, d := range ds {
		if _, ok := d.commit.(restCommit); !ok {
			return fmt.Errorf("rest commit: delivery %q is not from a REST source", d.Origin)
		}
		keys[i] = d.Key
	}
	body, _ := json.Marshal(map[string][]string{"keys": keys})
	bo := newBackoff(s.cfg.Retry)
	var err error
	for attempt := 1; attempt <= s.cfg.Retry.MaxAttempts; attempt++ {
		if _, _, err = s.do(ctx, http.MethodPost, s.cfg.AckURL, body); err == nil || IsPermanent(err) {
			break
		}
		if !sleep(ctx, bo.NextBackOff()) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("rest commit of %d requests: %w", len(ds), err)
	}
	return nil
}

// Check GETs health_url when set; otherwise the source is healthy unless its breaker is open.
func (s *RESTSource) Check(ctx context.Context) error {
	if s.cfg.HealthURL != "" {
		_, _, err := s.do(ctx, http.MethodGet, s.cfg.HealthURL, nil)
		return err
	}
	if st := s.br.state(); st == BreakerOpen {
		return fmt.Errorf("rest source %s: %w", s.cfg.URL, ErrBreakerOpen)
	}
	return nil
}

// Breaker is the poll's breaker state, for health reports.
func (s *RESTSource) Breaker() BreakerState { return s.br.state() }

// Close drops the pool's idle connections.
func (s *RESTSource) Close() error {
	s.client.CloseIdleConnections()
	return nil
}

// requestKey is a request's own key: its "key", else its "id", when that is a non-empty string.
// Every connector without a key of its own (REST, file) keys a request by it.
func requestKey(item json.RawMessage) (string, bool) {
	var k struct {
		Key any `json:"key"`
		ID  any `json:"id"`
	}
	if json.Unmarshal(item, &k) != nil {
		return "", false
	}
	if s, ok := k.Key.(string); ok && s != "" {
		return s, true
	}
	if s, ok := k.ID.(string); ok && s != "" {
		return s, true
	}
	return "", false
}
