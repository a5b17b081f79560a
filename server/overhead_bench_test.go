package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
)

// The benchmarks below time the middleware chain in the configuration `mfn loadtest
// --overhead` measures (API key required, rate limiting on with a limit that never binds,
// metrics, the tracing middleware, the access log written through the line buffer to a file),
// against a bare handler writing the same bytes, in one run: the difference is the chain's
// cost per request, and -benchmem shows its allocations.

const overheadKey = "overhead-bench-key-0123456789abcdef"

const overheadNernstBody = `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}`

// overheadApp opens the service as `mfn loadtest --overhead` does, logging to /dev/null
// through the line buffer (an *os.File, as the load test's temporary file).
func overheadApp(b *testing.B, route, accessLog string) http.Handler {
	b.Helper()
	env := map[string]string{
		"MFN_API_KEY_REQUIRED":    "true",
		"MFN_API_KEY":             overheadKey,
		"MFN_RATE_LIMIT_ENABLED":  "true",
		"MFN_RATE_LIMIT_REQUESTS": "1000000000",
		"MFN_RATE_LIMIT_ROUTES":   route + "=1000000000",
		"MFN_METRICS_ENABLED":     "true",
		"MFN_ACCESS_LOG":          accessLog,
	}
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	app, err := Open(context.Background(), cfg, f, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(app.Close)
	return app.Handler()
}

// benchOverhead serves method path through h as net/http's server would call it: a fresh
// header map per request, a body reader for POST, the X-API-Key header.
func benchOverhead(b *testing.B, h http.Handler, method, path, body string) {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("X-API-Key", overheadKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = int64(len(body))
	}
	rd := strings.NewReader(body)
	w := &nopWriter{}
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		if body != "" {
			rd.Reset(body)
			req.Body = io.NopCloser(rd)
		}
		w.h = http.Header{}
		h.ServeHTTP(w, req)
	}
	// CPU time is what other tenants' load moves least (wall time includes the steal).
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the process's user+system CPU time in nanoseconds (garbage collection
// included).
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// bareHandler writes the bytes the service answered to one request, as the load test's bare
// server does.
func bareHandler(b *testing.B, h http.Handler, method, path, body string) http.Handler {
	rec := call(h, method, path, body, "X-API-Key", overheadKey)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	out, ctype := rec.Body.Bytes(), rec.Header().Get("Content-Type")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(http.StatusOK)
		w.Write(out)
	})
}

func BenchmarkOverhead(b *testing.B) {
	for _, ep := range []struct{ name, method, path, body string }{
		{"health", "GET", "/health", ""},
		{"nernst", "POST", "/nernst", overheadNernstBody},
	} {
		for _, mode := range []string{"all", "errors"} {
			b.Run(ep.name+"/full/log="+mode, func(b *testing.B) {
				benchOverhead(b, overheadApp(b, ep.path, mode), ep.method, ep.path, ep.body)
			})
		}
		b.Run(ep.name+"/bare", func(b *testing.B) {
			full := overheadApp(b, ep.path, "errors")
			benchOverhead(b, bareHandler(b, full, ep.method, ep.path, ep.body), ep.method, ep.path, ep.body)
		})
	}
}
