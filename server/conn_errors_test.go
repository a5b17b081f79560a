package server

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawRequest sends raw bytes to addr and returns the response.
func rawRequest(t *testing.T, addr, raw string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// net/http's own answers to requests it cannot parse come out as {"detail": …} JSON with
// their status, like every other error (issue 18: they were plain text).
func TestMalformedHTTPAnswersJSON(t *testing.T) {
	app, _ := testApp(t, nil)
	addr, _ := serveApp(t, app, nil)
	for _, c := range []struct {
		raw    string
		status int
	}{
		{"GET /health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400},
		{"GET /health HTTP/1.1\r\n\r\n", 400}, // no Host
		{"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 80<<10) + "\r\n\r\n", 431},
		{"POST /nernst HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"GET /health HTTP/9.9\r\nHost: x\r\n\r\n", 505},
	} {
		resp, body := rawRequest(t, addr, c.raw)
		var v struct{ Detail string }
		if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/json" ||
			json.Unmarshal([]byte(body), &v) != nil || v.Detail == "" {
			t.Errorf("%.60q: %d %q %s", c.raw, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if resp, body := rawRequest(t, addr, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"); resp.StatusCode != 200 || !strings.Contains(body, "healthy") {
		t.Errorf("a good request after them: %d %s", resp.StatusCode, body)
	}
}

// The write deadline covers a body read until the read deadline plus the handler's work.
func TestWriteTimeoutCoversReadAndWork(t *testing.T) {
	for _, h := range []time.Duration{100 * time.Millisecond, 30 * time.Second, time.Hour} {
		read, write := serverTimeouts(h)
		if write < read+h {
			t.Errorf("handler timeout %v: write %v < read %v + handler", h, write, read)
		}
	}
}
