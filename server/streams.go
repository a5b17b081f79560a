package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"mfn/integration"
	"mfn/limits"
	"mfn/stream"
)

// StreamConfig are the live streams' limits (MFN_STREAM_*; docs/streaming.md, ADR 0018).
type StreamConfig struct {
	MaxConnections, MaxPerKey int
	QueueSize                 int
	QueueBytes                int
	MaxUnauthenticated        int
	AuthTimeout               time.Duration
	MaxMessageBytes           int
	MaxMessagesPerSecond      int
	MaxViolations             int
	HeartbeatInterval         time.Duration
	HeartbeatTimeout          time.Duration
	MinFrameInterval          time.Duration
	WriteTimeout              time.Duration
}

// streamsFromEnv reads the MFN_STREAM_* variables.
func streamsFromEnv(p *problems) StreamConfig {
	d := stream.DefaultOptions()
	c := StreamConfig{
		MaxConnections:       p.integer("MFN_STREAM_MAX_CONNECTIONS", d.MaxConnections, 1, 1_000_000),
		MaxPerKey:            p.integer("MFN_STREAM_MAX_PER_KEY", d.MaxPerKey, 1, 1_000_000),
		QueueSize:            p.integer("MFN_STREAM_QUEUE_SIZE", d.QueueSize, 1, 100_000),
		QueueBytes:           p.integer("MFN_STREAM_QUEUE_BYTES", int(d.QueueBytes), 1<<10, 1<<30),
		MaxUnauthenticated:   p.integer("MFN_STREAM_MAX_UNAUTHENTICATED", d.MaxUnauthenticated, 1, 1_000_000),
		AuthTimeout:          p.duration("MFN_STREAM_AUTH_TIMEOUT", d.AuthTimeout, 10*time.Millisecond, time.Hour),
		MaxMessageBytes:      p.integer("MFN_STREAM_MAX_MESSAGE_BYTES", int(d.MaxMessageBytes), 256, 16<<20),
		MaxMessagesPerSecond: p.integer("MFN_STREAM_MAX_MESSAGES_PER_SECOND", d.MaxMessagesPerSecond, 1, 100_000),
		MaxViolations:        p.integer("MFN_STREAM_MAX_VIOLATIONS", d.MaxViolations, 1, 1_000_000),
		HeartbeatInterval:    p.duration("MFN_STREAM_HEARTBEAT_INTERVAL", d.HeartbeatInterval, 10*time.Millisecond, time.Hour),
		HeartbeatTimeout:     p.duration("MFN_STREAM_HEARTBEAT_TIMEOUT", d.HeartbeatTimeout, 10*time.Millisecond, 24*time.Hour),
		MinFrameInterval:     p.duration("MFN_STREAM_MIN_FRAME_INTERVAL", d.MinFrameInterval, time.Millisecond, 10*time.Second),
		WriteTimeout:         p.duration("MFN_STREAM_WRITE_TIMEOUT", d.WriteTimeout, 10*time.Millisecond, time.Hour),
	}
	if c.HeartbeatTimeout <= c.HeartbeatInterval {
		p.addf("MFN_STREAM_HEARTBEAT_TIMEOUT=%v: must be longer than MFN_STREAM_HEARTBEAT_INTERVAL=%v", c.HeartbeatTimeout, c.HeartbeatInterval)
	}
	return c
}

// newStreamHub builds the streams' hub from the configuration, sharing the service's API
// keys (in-band for WebSocket), metrics registry and error format. With integrations, a
// simulation stream that runs to its end is published on route "stream".
func newStreamHub(cfg Config, keys *APIKeys, m *Metrics, log *slog.Logger, hub *integration.Hub, pool *Pool, fails *limits.FailedAuth) *stream.Hub {
	c := cfg.Streams
	if c == (StreamConfig{}) {
		c = streamsFromEnv(&problems{getenv: func(string) string { return "" }})
	}
	var sm *stream.Metrics
	if m != nil {
		sm = m.streams
	}
	return stream.NewHub(stream.Options{
		Auth: func(key string) (string, bool) {
			id, ok := keys.Check(key)
			return id, ok || !keys.Required()
		},
		MaxConnections: c.MaxConnections, MaxPerKey: c.MaxPerKey, QueueSize: c.QueueSize, QueueBytes: int64(c.QueueBytes),
		MaxUnauthenticated: c.MaxUnauthenticated, AuthTimeout: c.AuthTimeout,
		Compute:         streamCompute(pool),
		ClientAddr:      func(r *http.Request) string { return clientIP(r, cfg.TrustedProxies) },
		FailedAuth:      failedAuthOrNil(fails),
		MaxMessageBytes: int64(c.MaxMessageBytes), MaxMessagesPerSecond: c.MaxMessagesPerSecond,
		MaxViolations: c.MaxViolations, HeartbeatInterval: c.HeartbeatInterval, HeartbeatTimeout: c.HeartbeatTimeout,
		MinFrameInterval: c.MinFrameInterval, WriteTimeout: c.WriteTimeout,
		OriginPatterns: originHosts(cfg.CORSOrigins),
		WriteError:     writeStreamError,
		Logger:         log,
		Metrics:        sm,
		Completed:      publishStream(hub, log),
	})
}

// originHosts turns the CORS origins into the WebSocket origin patterns (host[:port]).
func originHosts(origins []string) []string {
	var out []string
	for _, o := range origins {
		if o == "*" {
			out = append(out, "*")
			continue
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, strings.ToLower(u.Host))
		}
	}
	return out
}

func writeStreamError(w http.ResponseWriter, r *http.Request, status int, detail string, retry time.Duration) {
	kind := KindBadRequest
	switch status {
	case http.StatusUnprocessableEntity:
		kind = KindInvalid
	case http.StatusTooManyRequests:
		kind = KindRateLimited
	case http.StatusServiceUnavailable:
		kind = KindUnavailable
	}
	writeError(w, r, &Error{Kind: kind, Detail: detail, RetryAfter: int(retry / time.Second)})
}

// streamCompute runs the streams' frames on the worker pool (nil pool: on their goroutines).
func streamCompute(pool *Pool) func(context.Context, func()) error {
	if pool == nil {
		return nil
	}
	return pool.Step
}

// failedAuthOrNil keeps a nil limiter a nil interface.
func failedAuthOrNil(f *limits.FailedAuth) interface {
	Blocked(string) (time.Duration, bool)
	Failed(string)
} {
	if f == nil {
		return nil
	}
	return f
}
