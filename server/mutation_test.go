package server

// Assertions added for mutation testing of the middleware (docs/quality.md, "Mutation
// testing"): each test names the surviving mutants it kills. They send requests through the
// service's handler (or the middleware chain around a test handler where a panic is needed)
// and look only at what a client or an operator sees: status, headers, body, log lines.

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// logLines parses a JSON log into one map per line.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// accessLines are the access log's lines ("request completed").
func accessLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var acc []map[string]any
	for _, m := range logLines(t, out) {
		if m["msg"] == "request completed" || m["message"] == "request completed" {
			acc = append(acc, m)
		}
	}
	return acc
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestMiddlewareMutationGeneratedIDs: a generated X-Request-ID is a canonical version-4 UUID,
// and 600 of them (more than one 4096-byte random batch, 256 IDs) are all distinct. Kills the
// random pool's offset arithmetic mutants (a byte handed out twice, or an index out of range).
func TestMiddlewareMutationGeneratedIDs(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	seen := map[string]bool{}
	for range 600 {
		id := call(h, "GET", "/health", "").Header().Get("X-Request-ID")
		if !uuidV4.MatchString(id) {
			t.Fatalf("generated ID %q is not a version-4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("ID %q generated twice", id)
		}
		seen[id] = true
	}
}

// TestMiddlewareMutationAccessLogFields: one line per exchange with the exchange's own fields;
// a 4xx with an error is INFO without the error, a 5xx is ERROR with it; an ordinary request
// never reaches the panic handler's log line.
func TestMiddlewareMutationAccessLogFields(t *testing.T) {
	app, logs := testApp(t, map[string]string{"MFN_LOG_FORMAT": "json"})
	h := app.Handler()
	ok := call(h, "GET", "/health", "")
	bad := call(h, "POST", "/nernst", `{"concentration_out_molar":"x"}`)
	if ok.Code != 200 || bad.Code/100 != 4 {
		t.Fatalf("statuses %d %d", ok.Code, bad.Code)
	}
	out := logs.String()
	if strings.Contains(out, "panic in handler") {
		t.Errorf("an ordinary request logged a panic: %s", out)
	}
	acc := accessLines(t, out)
	if len(acc) != 2 {
		t.Fatalf("%d access lines, want 2: %s", len(acc), out)
	}
	l := acc[0]
	if l["level"] != "INFO" || l["method"] != "GET" || l["route"] != "/health" || l["path"] != "/health" ||
		l["status"] != 200.0 || l["bytes"] != float64(ok.Body.Len()) || l["client_ip"] != "192.0.2.1" {
		t.Errorf("access line of GET /health: %v", l)
	}
	if _, has := l["error"]; has {
		t.Errorf("200 logged an error: %v", l)
	}
	l = acc[1]
	if l["level"] != "INFO" || l["status"] != float64(bad.Code) || l["route"] != "/nernst" {
		t.Errorf("access line of the %d: %v", bad.Code, l)
	}
	if _, has := l["error"]; has {
		t.Errorf("a 4xx logged its error (only 5xx do): %v", l)
	}
}

// TestMiddlewareMutationPanicLogAndPartialWrite: a panic is a 500 logged at ERROR (exactly
// 500: the boundary of the level choice); a 500 from an error carries the error; a panic after the handler has
// written keeps what was written (no error body appended); http.ErrAbortHandler is re-raised
// for net/http, not answered; a chain without the record still answers 500.
func TestMiddlewareMutationPanicLogAndPartialWrite(t *testing.T) {
	mk := func(h http.HandlerFunc, logs *syncBuffer, withID bool) http.Handler {
		log := slog.New(slog.NewJSONHandler(logs, nil))
		if !withID {
			return chain(h, withRecovery(log))
		}
		return chain(h, withRequestID, withRecovery(log), withAccessLog(log, AccessLogMode{}))
	}
	var logs syncBuffer
	rec := call(mk(func(http.ResponseWriter, *http.Request) { panic("boom") }, &logs, true), "GET", "/health", "")
	acc := accessLines(t, logs.String())
	if rec.Code != 500 || len(acc) != 1 || acc[0]["level"] != "ERROR" || acc[0]["status"] != 500.0 {
		t.Errorf("panic: %d, access log %v", rec.Code, acc)
	}

	logs = syncBuffer{}
	rec = call(mk(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, &Error{Kind: KindInternal, Err: errors.New("disk on fire")})
	}, &logs, true), "GET", "/health", "")
	acc = accessLines(t, logs.String())
	if rec.Code != 500 || len(acc) != 1 || acc[0]["level"] != "ERROR" || acc[0]["error"] != "disk on fire" {
		t.Errorf("internal error: %d, access log %v", rec.Code, acc)
	}

	logs = syncBuffer{}
	rec = call(mk(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("partial"))
		panic("late")
	}, &logs, true), "GET", "/health", "")
	if rec.Code != 200 || rec.Body.String() != "partial" || !strings.Contains(logs.String(), "panic in handler") {
		t.Errorf("panic after writing: %d %q, log %s", rec.Code, rec.Body.String(), logs.String())
	}

	logs = syncBuffer{}
	rec = call(mk(func(http.ResponseWriter, *http.Request) { panic("bare") }, &logs, false), "GET", "/health", "")
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "Internal Server Error") {
		t.Errorf("panic without a record: %d %q", rec.Code, rec.Body.String())
	}

	logs = syncBuffer{}
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("ErrAbortHandler: recovered %v, want it re-raised", p)
			}
		}()
		call(mk(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }, &logs, true), "GET", "/health", "")
	}()
	if strings.Contains(logs.String(), "panic in handler") {
		t.Errorf("ErrAbortHandler logged as a panic: %s", logs.String())
	}
}

// TestMiddlewareMutationDuration: duration_ms is in milliseconds (a 30 ms handler is logged
// as 30 ms or a little more, not 30 000 or 0.03).
func TestMiddlewareMutationDuration(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { time.Sleep(30 * time.Millisecond) }),
		withRequestID, withAccessLog(log, AccessLogMode{}))
	start := time.Now()
	call(h, "GET", "/health", "")
	wall := float64(time.Since(start).Microseconds()) / 1000
	acc := accessLines(t, logs.String())
	if len(acc) != 1 {
		t.Fatalf("access log: %s", logs.String())
	}
	if d, _ := acc[0]["duration_ms"].(float64); d < 30 || d > wall {
		t.Errorf("duration_ms %v, want in [30, %v] (the wall time around the call)", acc[0]["duration_ms"], wall)
	}
}

// TestMiddlewareMutationBodyLimitBoundary: a body of exactly MFN_MAX_BODY_BYTES is accepted,
// one byte more is 413, both with a declared Content-Length.
func TestMiddlewareMutationBodyLimitBoundary(t *testing.T) {
	app, _ := testApp(t, map[string]string{"MFN_MAX_BODY_BYTES": "2048"})
	body := `{"concentration_out_molar":0.005,"concentration_in_molar":0.14}`
	exact := body + strings.Repeat(" ", 2048-len(body))
	if rec := call(app.Handler(), "POST", "/nernst", exact); rec.Code != 200 {
		t.Errorf("body of exactly the limit: %d %s", rec.Code, rec.Body.String())
	}
	if rec := call(app.Handler(), "POST", "/nernst", exact+" "); rec.Code != 413 {
		t.Errorf("body one byte over the limit: %d %s", rec.Code, rec.Body.String())
	}
}

// TestMiddlewareMutationErrorsAndSampledModes: "errors" keeps a 400 (the boundary) and drops
// a 399; "sampled:3" keeps the 1st, 4th and 7th success of 9; the zero mode keeps everything.
func TestMiddlewareMutationErrorsAndSampledModes(t *testing.T) {
	run := func(mode AccessLogMode, statuses []int) []map[string]any {
		var logs syncBuffer
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			code, _ := strconv.Atoi(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:])
			w.WriteHeader(code)
		}), withRequestID, withAccessLog(log, mode))
		for i, s := range statuses {
			call(h, "GET", "/x/"+strconv.Itoa(i)+"/"+strconv.Itoa(s), "")
		}
		return accessLines(t, logs.String())
	}
	acc := run(AccessLogMode{Kind: "errors"}, []int{399, 400, 200})
	if len(acc) != 1 || acc[0]["status"] != 400.0 {
		t.Errorf("errors mode kept %v, want only the 400", acc)
	}
	acc = run(AccessLogMode{Kind: "sampled", Every: 3}, []int{200, 200, 200, 200, 200, 200, 200, 200, 200})
	var kept []string
	for _, l := range acc {
		kept = append(kept, l["path"].(string))
	}
	if strings.Join(kept, " ") != "/x/0/200 /x/3/200 /x/6/200" {
		t.Errorf("sampled:3 of 9 kept %v, want the 1st, 4th and 7th", kept)
	}
	if len(run(AccessLogMode{}, []int{200, 200, 404})) != 3 || (AccessLogMode{}).String() != "all" {
		t.Errorf("the zero mode is not all")
	}
}

// TestMiddlewareMutationTimeoutOnlyOnHeavyRoutes: the handler of a heavy route sees the
// deadline, a light route's does not.
func TestMiddlewareMutationTimeoutOnlyOnHeavyRoutes(t *testing.T) {
	deadline := map[string]bool{}
	h := chain(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, deadline[r.URL.Path] = r.Context().Deadline()
	}), withRequestID, withTimeout(time.Hour))
	for _, p := range []string{"/simulate", "/federated/aggregate", "/health", "/nernst", "/nope"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", p, nil))
	}
	want := map[string]bool{"/simulate": true, "/federated/aggregate": true, "/health": false, "/nernst": false, "/nope": false}
	for p, w := range want {
		if deadline[p] != w {
			t.Errorf("%s: deadline %v, want %v", p, deadline[p], w)
		}
	}
}

// TestMiddlewareMutationRateLimitHeaders: a bucket of 3 per 60 s refills one token per 20 s,
// so X-RateLimit-Reset (the seconds until the bucket is full again) is 20, 40, 60 after the
// first three requests; the 4th is a 429 with Remaining 0, Retry-After 20 (one token) and
// Reset 60. Kills the rate and refill arithmetic mutants the Remaining counts cannot see.
func TestMiddlewareMutationRateLimitHeaders(t *testing.T) {
	app, _ := testApp(t, withStaging(map[string]string{"MFN_RATE_LIMIT_ROUTES": "/health=3", "MFN_RATE_LIMIT_WINDOW": "60"}))
	h := app.Handler()
	for i, want := range []string{"20", "40", "60"} {
		rec := call(h, "GET", "/health", "")
		if rec.Code != 200 || rec.Header().Get("X-RateLimit-Reset") != want {
			t.Errorf("request %d: %d, X-RateLimit-Reset %q, want %s", i, rec.Code, rec.Header().Get("X-RateLimit-Reset"), want)
		}
	}
	rec := call(h, "GET", "/health", "")
	hd := rec.Header()
	if rec.Code != 429 || hd.Get("Retry-After") != "20" || hd.Get("X-RateLimit-Reset") != "60" ||
		hd.Get("X-RateLimit-Remaining") != "0" || hd.Get("X-RateLimit-Limit") != "3" {
		t.Errorf("4th request: %d %v", rec.Code, hd)
	}
	if got := decode(t, rec)["retry_after"]; got != 20.0 {
		t.Errorf("429 body retry_after %v, want 20", got)
	}
}

// TestMiddlewareMutationAuthFailureReasons: the audit names why a request was refused (no key
// or a wrong one), and an address out of attempts is told the same wait in the header and
// the message.
func TestMiddlewareMutationAuthFailureReasons(t *testing.T) {
	app, logs := testApp(t, withStaging(map[string]string{"MFN_AUTH_FAILURE_BURST": "2", "MFN_AUTH_FAILURE_INTERVAL": "30s"}))
	h := app.Handler()
	if rec := call(h, "POST", "/nernst", `{}`); rec.Code != 401 {
		t.Fatalf("no key: %d", rec.Code)
	}
	if !strings.Contains(logs.String(), "no API key") || strings.Contains(logs.String(), "invalid or expired API key") {
		t.Errorf("audit of a missing key: %s", logs.String())
	}
	if rec := call(h, "POST", "/nernst", `{}`, "X-API-Key", "k-none"); rec.Code != 401 {
		t.Fatalf("wrong key: %d", rec.Code)
	}
	if !strings.Contains(logs.String(), "invalid or expired API key") {
		t.Errorf("audit of a wrong key: %s", logs.String())
	}
	rec := call(h, "POST", "/nernst", `{}`, "X-API-Key", "k-one")
	ra := rec.Header().Get("Retry-After")
	if rec.Code != 429 || ra == "" || ra == "0" || !strings.Contains(rec.Body.String(), "retry in "+ra+" s") {
		t.Errorf("out of attempts: %d Retry-After %q %s", rec.Code, ra, rec.Body.String())
	}
}

// TestMiddlewareMutationRefillRate: a bucket of 2 per 10 s refills one token per 5 s (a rate
// other than 1 token/s, where multiplying and dividing by the rate agree).
func TestMiddlewareMutationRefillRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(2, 10*time.Second, nil)
		l.Allow("ip:1", "/nernst")
		l.Allow("ip:1", "/nernst")
		time.Sleep(5 * time.Second)
		if d := l.Allow("ip:1", "/nernst"); !d.Allowed || d.Remaining != 0 {
			t.Fatalf("after 5 s: %+v, want one token", d)
		}
		if d := l.Allow("ip:1", "/nernst"); d.Allowed || d.RetryAfter != 5*time.Second {
			t.Fatalf("second request after 5 s: %+v, want refused for 5 s", d)
		}
	})
}

// TestMiddlewareMutationRefillingBucketIsKept: a bucket drained 10 s before a sweep (5 per
// 60 s: 0.83 tokens back) is still refilling, so the sweep keeps it and the client stays
// limited; dropping it would hand the client a full bucket.
func TestMiddlewareMutationRefillingBucketIsKept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(5, time.Minute, nil)
		l.Allow("ip:busy", "/health") // its shard sweeps now, and next at 60 s
		time.Sleep(50 * time.Second)
		for range 5 {
			l.Allow("ip:busy", "/health")
		}
		time.Sleep(10 * time.Second)
		if d := l.Allow("ip:busy", "/health"); d.Allowed || d.Remaining != 0 {
			t.Errorf("drained 10 s before the sweep: %+v, want still limited", d)
		}
	})
}

// TestMiddlewareMutationBucketIdentity: with a key, the bucket is the key's (two keys from one
// address have two buckets); without one, the address's (two addresses, two buckets).
func TestMiddlewareMutationBucketIdentity(t *testing.T) {
	app, _ := testApp(t, withStaging(map[string]string{"MFN_RATE_LIMIT_ROUTES": "/health=1", "MFN_RATE_LIMIT_WINDOW": "60"}))
	h := app.Handler()
	from := func(addr, key string) int {
		req := httptest.NewRequest("GET", "/health", nil)
		req.RemoteAddr = addr + ":4242"
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, c := range []struct{ addr, key string }{{"192.0.2.1", ""}, {"192.0.2.2", ""}, {"192.0.2.3", "k-one"}, {"192.0.2.3", "k-two"}} {
		if code := from(c.addr, c.key); code != 200 {
			t.Errorf("first request of %s key %q: %d, want its own bucket", c.addr, c.key, code)
		}
	}
	if code := from("192.0.2.4", "k-one"); code != 429 {
		t.Errorf("k-one from another address: %d, want its key's empty bucket", code)
	}
}

// TestMiddlewareMutationForwardedHeaderLines: X-Forwarded-For sent as several header lines is
// read from the last line back; trusted proxies in it are skipped.
func TestMiddlewareMutationForwardedHeaderLines(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.1.2.3:5000"
	req.Header.Add("X-Forwarded-For", "6.6.6.6, 203.0.113.9")
	req.Header.Add("X-Forwarded-For", "10.9.9.9")
	if got := clientIP(req, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}); got != "203.0.113.9" {
		t.Errorf("client %s, want 203.0.113.9", got)
	}
}
