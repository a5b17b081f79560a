package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchServe runs the service on a loopback port for a benchmark: real HTTP, keep-alive
// connections, the whole middleware chain, logs discarded.
func benchServe(b *testing.B, env map[string]string) string {
	b.Helper()
	app, _ := testApp(b, env)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: app.Handler()}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func benchHTTP(b *testing.B, method, path, body string) {
	url := benchServe(b, map[string]string{"MFN_LOG_LEVEL": "INFO"})
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var rd io.Reader
			if body != "" {
				rd = strings.NewReader(body)
			}
			req, _ := http.NewRequest(method, url+path, rd)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

func BenchmarkHTTPHealth(b *testing.B) { benchHTTP(b, "GET", "/health", "") }

func BenchmarkHTTPNernst(b *testing.B) {
	benchHTTP(b, "POST", "/nernst", `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}`)
}

func BenchmarkHTTPSimulate(b *testing.B) {
	benchHTTP(b, "POST", "/simulate", `{"seed":42,"grid_size":64,"steps":64}`)
}

// BenchmarkChainNernst is the handler chain alone, without the network.
func BenchmarkChainNernst(b *testing.B) {
	app, _ := testApp(b, nil)
	h := app.Handler()
	body := `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}`
	b.ReportAllocs()
	for b.Loop() {
		if rec := call(h, "POST", "/nernst", body); rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// nopWriter is the cheapest ResponseWriter, to time the chain alone.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchChain(b *testing.B, env map[string]string, method, path, body string) {
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	app, err := Open(context.Background(), cfg, io.Discard, "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	h := app.Handler()
	req := httptest.NewRequest(method, path, nil)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	b.ReportAllocs()
	for b.Loop() {
		if body != "" {
			req.Body = io.NopCloser(strings.NewReader(body))
		}
		h.ServeHTTP(&nopWriter{h: http.Header{}}, req)
	}
}

func BenchmarkChainHealthLogged(b *testing.B) {
	benchChain(b, map[string]string{"MFN_LOG_FORMAT": "json"}, "GET", "/health", "")
}

func BenchmarkChainHealthQuiet(b *testing.B) {
	benchChain(b, map[string]string{"MFN_LOG_LEVEL": "ERROR"}, "GET", "/health", "")
}

func BenchmarkChainNernstLogged(b *testing.B) {
	benchChain(b, map[string]string{"MFN_LOG_FORMAT": "json"}, "POST", "/nernst",
		`{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}`)
}
