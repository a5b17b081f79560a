package integration

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// WebhookConfig configures a webhook target. The secret signs every body; give it inline
// (Secret) or, better, name the environment variable (SecretEnv) or the file (SecretFile, e.g.
// a mounted Kubernetes Secret) holding it.
type WebhookConfig struct {
	URL       string `yaml:"url" json:"url"`
	Secret    string `yaml:"secret" json:"secret"`
	SecretEnv string `yaml:"secret_env" json:"secret_env"`
	// SecretFile is read at start-up; surrounding blanks and newlines are trimmed.
	SecretFile string            `yaml:"secret_file" json:"secret_file"`
	Headers    map[string]string `yaml:"headers" json:"headers"`
	// HealthURL, when set, is fetched with GET by Check (2xx healthy); otherwise Check sends
	// HEAD to URL and any answer below 500 counts as healthy (the target is up).
	HealthURL string `yaml:"health_url" json:"health_url"`
	// Timeout bounds one request, connection included (default 10s).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// The connection pool (0: defaults 16 in total, 8 per host, 8 idle, 90s).
	PoolOptions `yaml:",inline"`
}

// Signature headers. The signature is "sha256=" and the hex HMAC-SHA256, keyed by the
// secret, of the timestamp header's value, a ".", and the exact body; signing the
// timestamp lets receivers refuse replays of old bodies.
const (
	HeaderSignature = "X-MFN-Signature"
	HeaderTimestamp = "X-MFN-Timestamp"
	HeaderBatchSize = "X-MFN-Batch-Size"
	// HeaderIdempotencyKey is the message's key for a one-message batch and a digest of all
	// keys otherwise; receivers should de-duplicate on the per-message keys in the body,
	// since batches can be formed differently after a restart.
	HeaderIdempotencyKey = "Idempotency-Key"
)

func (c *WebhookConfig) withDefaults() {
	c.PoolOptions.withDefaults(8, 8)
	if c.Timeout == 0 {
		c.Timeout = Duration(10 * time.Second)
	}
}

// Validate checks the configuration (zero limits and timeouts take defaults) and that the
// secret is there, naming each bad field.
func (c WebhookConfig) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("%s: %v is not allowed (want %s)", field, v, want))
	}
	checkURL := func(field, v string, required bool) {
		if v == "" && !required {
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(field, strconv.Quote(v), "an absolute http:// or https:// URL")
		}
	}
	checkURL("url", c.URL, true)
	checkURL("health_url", c.HealthURL, false)
	given := 0
	for _, v := range []string{c.Secret, c.SecretEnv, c.SecretFile} {
		if v != "" {
			given++
		}
	}
	switch {
	case given > 1:
		errs = append(errs, errors.New("secret, secret_env, secret_file: more than one is set (want exactly one)"))
	case given == 0:
		errs = append(errs, errors.New("secret, secret_env, secret_file: none is set (want exactly one; bodies are signed with HMAC-SHA256)"))
	case c.SecretFile != "":
		if _, err := readSecretFile(c.SecretFile); err != nil {
			errs = append(errs, fmt.Errorf("secret_file: %w", err))
		}
	case c.SecretEnv != "" && os.Getenv(c.SecretEnv) == "":
		errs = append(errs, fmt.Errorf("secret_env: the environment variable %s is not set or is empty (set it to the webhook's HMAC secret, e.g. export %s=$(openssl rand -hex 32))", c.SecretEnv, c.SecretEnv))
	}
	for k := range c.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") {
			bad("headers", strconv.Quote(k), "HTTP header names")
		}
	}
	c.withDefaults()
	if c.Timeout.D() < time.Millisecond || c.Timeout.D() > 10*time.Minute {
		bad("timeout", c.Timeout.D(), "1ms..10m")
	}
	c.PoolOptions.check(bad)
	return errors.Join(errs...)
}

// webhookSink POSTs batches as {"messages":[{"key","time","value"},…]}, always that envelope
// whatever the batch size, so receivers parse one shape.
type webhookSink struct {
	cfg    WebhookConfig
	secret []byte
	client *http.Client
}

// NewWebhookSink builds the sink on a pooled HTTP client with the configured limits.
func NewWebhookSink(c WebhookConfig) (Sink, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	c.withDefaults()
	secret := c.Secret
	if c.SecretEnv != "" {
		secret = os.Getenv(c.SecretEnv)
	}
	if c.SecretFile != "" {
		var err error
		if secret, err = readSecretFile(c.SecretFile); err != nil {
			return nil, fmt.Errorf("webhook: secret_file: %w", err)
		}
	}
	tr := c.transport(c.Timeout.D())
	return &webhookSink{cfg: c, secret: []byte(secret), client: &http.Client{Transport: tr, Timeout: c.Timeout.D()}}, nil
}

// WebhookItem is one message in a WebhookBody.
type WebhookItem struct {
	Key   string          `json:"key"`
	Time  time.Time       `json:"time"`
	Value json.RawMessage `json:"value"`
}

// WebhookBody is the body the webhook sink sends (exported for receivers and tests).
type WebhookBody struct {
	Messages []WebhookItem `json:"messages"`
}

func (s *webhookSink) Send(ctx context.Context, batch []Message) error {
	body := WebhookBody{Messages: make([]WebhookItem, len(batch))}
	for i, m := range batch {
		body.Messages[i] = WebhookItem{Key: m.Key, Time: m.Time, Value: m.Value}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return Permanent(fmt.Errorf("webhook: encode batch: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(b))
	if err != nil {
		return Permanent(fmt.Errorf("webhook: %w", err))
	}
	for k, v := range s.cfg.Headers {
		req.Header.Set(k, v)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, SignWebhook(s.secret, ts, b))
	req.Header.Set(HeaderBatchSize, strconv.Itoa(len(batch)))
	req.Header.Set(HeaderIdempotencyKey, batchKey(batch))
	for _, m := range batch { // one header per request: the first message's trace
		if m.Trace != "" {
			req.Header.Set(TraceHeader, m.Trace)
			break
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", s.cfg.URL, err)
	}
	// Drain a little so the connection goes back to the pool.
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return statusError(s.cfg.URL, resp, msg)
}

// statusError classifies an answer: 2xx delivered; 408, 429 and 5xx retryable (with the
// Retry-After the target asked for); any other status is a refusal retrying cannot fix.
func statusError(u string, resp *http.Response, body []byte) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	err := fmt.Errorf("webhook %s: %s: %s", u, resp.Status, bytes.TrimSpace(body))
	if code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 {
		if d := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			return &RetryAfterError{Err: err, After: d}
		}
		return err
	}
	return Permanent(err)
}

// batchKey is the batch's Idempotency-Key header: the one key, or a digest of all keys.
func batchKey(batch []Message) string {
	if len(batch) == 1 {
		return batch[0].Key
	}
	h := sha256.New()
	for _, m := range batch {
		h.Write([]byte(m.Key))
		h.Write([]byte{0})
	}
	return "batch-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// SignWebhook is the X-MFN-Signature value for a body sent with the given timestamp header.
func SignWebhook(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a received body's signature in constant time and that its timestamp
// is within maxSkew of now (0: not checked), for receivers of our webhooks.
func VerifyWebhook(secret []byte, h http.Header, body []byte, maxSkew time.Duration, now time.Time) error {
	ts := h.Get(HeaderTimestamp)
	if !hmac.Equal([]byte(h.Get(HeaderSignature)), []byte(SignWebhook(secret, ts, body))) {
		return errors.New("webhook: bad signature")
	}
	if maxSkew > 0 {
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return fmt.Errorf("webhook: bad %s %q", HeaderTimestamp, ts)
		}
		if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
			return fmt.Errorf("webhook: timestamp %s is %v away from now (allowed %v)", ts, d, maxSkew)
		}
	}
	return nil
}

// Check probes the target without delivering anything.
func (s *webhookSink) Check(ctx context.Context) error {
	method, u := http.MethodHead, s.cfg.URL
	if s.cfg.HealthURL != "" {
		method, u = http.MethodGet, s.cfg.HealthURL
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", u, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	ok := resp.StatusCode < 500
	if s.cfg.HealthURL != "" {
		ok = resp.StatusCode >= 200 && resp.StatusCode < 300
	}
	if !ok {
		return fmt.Errorf("webhook %s: health: %s", u, resp.Status)
	}
	return nil
}

func (s *webhookSink) Close() error {
	s.client.CloseIdleConnections()
	return nil
}

// readSecretFile reads a secret from a file (at most 64 KiB), trimmed; empty is an error.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil {
		return "", err
	}
	if len(b) > 64<<10 {
		return "", fmt.Errorf("%s is larger than 64 KiB", path)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return v, nil
}
