package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
)

// withRequestID is the outermost middleware: it creates the exchange's record, takes a sane
// incoming X-Request-ID or generates a UUIDv4, and sets it on every response.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := header(r.Header, "X-Request-Id")
		if !saneRequestID(id) {
			id = newUUID()
		}
		rt := lookupRoute(r.URL.Path)
		rec := &record{Context: r.Context(), id: id, start: time.Now(), rt: rt, route: otherRoute, method: r.Method}
		if rt != nil {
			rec.route = rt.path
		}
		rec.sw.ResponseWriter = w
		rec.w = &rec.sw
		rec.idHeader[0] = id
		w.Header()["X-Request-Id"] = rec.idHeader[:1:1] // the canonical form of X-Request-ID
		next.ServeHTTP(rec.w, r.WithContext(rec))
	})
}

// saneRequestID accepts 1–128 characters from a conservative set, so that a client's ID can
// be logged and echoed without escaping.
func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' || c == '=' || c == '@'
		if !ok {
			return false
		}
	}
	return true
}

// newUUID returns a random (version 4) UUID in its canonical text form.
func newUUID() string {
	var b [16]byte
	pooledRandom(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// randomChunk is a batch of crypto/rand output, consumed 16 bytes per request ID: one
// crypto/rand call per 256 IDs instead of one per ID.
type randomChunk struct {
	buf [4096]byte
	off int
}

var randomChunks = sync.Pool{New: func() any { return &randomChunk{off: 4096} }}

// pooledRandom fills b (at most 4096 bytes) from crypto/rand, through a pooled buffer. Each
// byte of the buffer is handed out once.
func pooledRandom(b []byte) {
	c := randomChunks.Get().(*randomChunk)
	if c.off+len(b) > len(c.buf) {
		_, _ = rand.Read(c.buf[:]) // crypto/rand.Read never fails (Go 1.24+)
		c.off = 0
	}
	copy(b, c.buf[c.off:])
	clear(c.buf[c.off : c.off+len(b)])
	c.off += len(b)
	randomChunks.Put(c)
}

// withRecovery turns a panic in any inner layer into a logged 500 with a JSON body, so that a
// bug in one handler never takes the process down.
func withRecovery(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec := recordOf(r.Context()); rec == nil || rec.w.status == 0 {
					writeError(w, r, &Error{Kind: KindInternal, Err: fmt.Errorf("panic: %v", p)})
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// withAccessLog writes one line per exchange that mode keeps (all by default): ERROR for 5xx,
// INFO otherwise (as the reference). Headers are never logged, so API keys cannot leak into
// logs.
func withAccessLog(log *slog.Logger, mode AccessLogMode) func(http.Handler) http.Handler {
	fast, fastOK := fastLogOf(log)
	sampler := &accessSampler{mode: mode}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := recordOf(r.Context())
			defer func() {
				status := rec.statusOrClosed(r.Context())
				p := recover()
				if p != nil {
					status = http.StatusInternalServerError
				}
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelError
				}
				if log.Enabled(r.Context(), level) && sampler.keep(status) {
					now := rec.end // the metrics' clock reading, when they ran
					if now.IsZero() {
						now = time.Now()
					}
					var buf [10]slog.Attr
					attrs := append(buf[:0],
						slog.String("method", r.Method), slog.String("route", rec.route), slog.String("path", r.URL.Path),
						slog.Int("status", status), slog.Float64("duration_ms", float64(now.Sub(rec.start).Microseconds())/1000),
						slog.Int64("bytes", rec.w.bytes), slog.String("client_ip", peerIP(r)),
					)
					if rec.err != nil && status >= 500 {
						attrs = append(attrs, slog.String("error", rec.err.Error()))
					}
					if fastOK {
						fast.log(rec, now, level, "request completed", attrs)
					} else {
						log.LogAttrs(r.Context(), level, "request completed", attrs...)
					}
				}
				if p != nil {
					panic(p)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// peerIP is the TCP peer's address without the port.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// withBodyLimit caps the bytes a handler can read from the body; reading past it fails with
// *http.MaxBytesError, which readForm answers with 413.
func withBodyLimit(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				writeError(w, r, errorf(KindTooLarge, "Request body exceeds the limit of %d bytes (MFN_MAX_BODY_BYTES)", limit))
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// withTimeout gives each request to a heavy route a deadline: its handler answers 503 when the
// work is not done by then (poolError), and the work itself stops. The other handlers do no
// waiting of their own; the http.Server's read and write timeouts bound them.
func withTimeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rt := (*route)(nil)
			if rec := recordOf(r.Context()); rec != nil {
				rt = rec.rt
			} else {
				rt = lookupRoute(r.URL.Path)
			}
			if rt == nil || !rt.heavy {
				next.ServeHTTP(w, r)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// chain applies middleware so that the first one listed is the outermost.
func chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
