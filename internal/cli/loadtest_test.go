package cli

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestLoadtestAgainstAServer(t *testing.T) {
	// Count requests without the key rather than with it: a request still in this handler
	// when the run ends must not look like one that lacked the key.
	var hits, withoutKey atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != "secret" {
			withoutKey.Add(1)
		}
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/nernst" && (r.Method != "POST" || !strings.Contains(string(b), "concentration_out_molar")) {
			w.WriteHeader(422)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()

	code, out, errb := runWithEnv(context.Background(), map[string]string{"MFN_LOADTEST_API_KEY": "secret"},
		"loadtest", "--url", srv.URL, "--endpoint", "/nernst", "--concurrency", "3", "--duration", "200ms")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	for _, s := range []string{"POST " + srv.URL + "/nernst", "concurrency 3", "errors 0", "requests/s", "p99", "200×"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if hits.Load() == 0 || withoutKey.Load() != 0 {
		t.Errorf("%d requests, %d without the key", hits.Load(), withoutKey.Load())
	}

	code, out, _ = runWithEnv(context.Background(), nil, "loadtest", "--url", srv.URL, "--endpoint", "/health",
		"--requests", "25", "--duration", "10s", "--format", "json")
	var res loadtestResult
	if code != 0 || json.Unmarshal([]byte(out.String()), &res) != nil || res.Requests != 25 || res.Method != "GET" ||
		res.LatencyMS["p50"] <= 0 || res.Statuses["200"] != 25 {
		t.Errorf("json run: %d %s", code, out.String())
	}
}

// The raw client handles chunked bodies and servers that close connections; https goes
// through net/http.
func TestLoadtestResponseFraming(t *testing.T) {
	var n atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 3 {
		case 0:
			w.Write([]byte("part one "))
			w.(http.Flusher).Flush() // chunked
			w.Write([]byte("part two"))
		case 1:
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	})
	for _, srv := range []*httptest.Server{httptest.NewServer(h), httptest.NewTLSServer(h)} {
		code, out, _ := runWithEnv(context.Background(), nil, "loadtest", "--url", srv.URL, "--endpoint", "/x",
			"--requests", "60", "--concurrency", "2", "--format", "json", "--insecure")
		srv.Close()
		var res loadtestResult
		if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
			t.Fatalf("%s: %v %s", srv.URL, err, out.String())
		}
		if code != 1 || res.Requests != 60 || res.Failed != 0 || res.Statuses["200"] != 40 || res.Statuses["418"] != 20 {
			t.Errorf("%s: exit %d, %+v", srv.URL, code, res)
		}
	}
}

func TestLoadtestFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"loadtest", "--concurrency", "0"},
		{"loadtest", "--url", "ftp://x"},
		{"loadtest", "--endpoint", "health"},
		{"loadtest", "--format", "xml"},
		{"loadtest", "--duration", "-1s"},
	} {
		if code, _, errb := runWithEnv(context.Background(), nil, args...); code != 2 || errb.String() == "" {
			t.Errorf("%v: exit %d %q", args, code, errb.String())
		}
	}
	// Nothing listening: the run ends with the connection error, exit 1.
	code, _, errb := runWithEnv(context.Background(), nil, "loadtest", "--url", "http://127.0.0.1:1", "--duration", "100ms", "--concurrency", "1")
	if code != 1 || !strings.Contains(errb.String(), "no answer from http://127.0.0.1:1/health") {
		t.Errorf("unreachable server: exit %d %s", code, errb.String())
	}
}

// TestLoadtestStopsWhenNothingAnswers: against a closed port the run stops after the first
// failed connections with their error, instead of firing requests for the whole --duration.
func TestLoadtestStopsWhenNothingAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, out, errb := runWithEnv(context.Background(), nil, "loadtest", "--url", "http://"+addr, "--concurrency", "4", "--duration", "1h")
	m := regexp.MustCompile(`stopped after (\d+) requests in a row got no answer`).FindStringSubmatch(errb.String())
	if code != 1 || m == nil || !strings.Contains(errb.String(), "connection refused") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	if n, _ := strconv.Atoi(m[1]); n < 4 || n > 8 {
		t.Errorf("stopped after %d failed requests, want one per connection (4) or a few more", n)
	}
}

// TestLoadtestStopsWhenTheServerGoesAway: answers, then nothing: the run stops, reports what it
// measured and exits 1 with the connection error.
func TestLoadtestStopsWhenTheServerGoesAway(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 50 {
			go srv.CloseClientConnections()
			go srv.Listener.Close()
		}
		w.Write([]byte(`{}`))
	})
	srv.Start()
	defer srv.Close()
	code, out, errb := runWithEnv(context.Background(), nil, "loadtest", "--url", srv.URL, "--concurrency", "2", "--duration", "1h")
	if code != 1 || !strings.Contains(errb.String(), "stopped after 100 requests in a row got no answer") || !strings.Contains(out.String(), "200×") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
