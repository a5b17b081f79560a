package integration

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func fastREST(url string) RESTSourceConfig {
	return RESTSourceConfig{URL: url, Interval: Duration(10 * time.Millisecond), Timeout: Duration(200 * time.Millisecond),
		Retry:   RetryOptions{MaxAttempts: 10, Initial: Duration(time.Millisecond), Max: Duration(5 * time.Millisecond), Jitter: 0.1},
		Breaker: BreakerOptions{Failures: 100, OpenTimeout: Duration(time.Second), HalfOpenRequests: 1}}
}

// TestRESTSourceFaults: a 5xx, a timeout and a connection reset are retried with backoff;
// the poll then yields the requests, keyed by their own key or a digest, and Commit acks
// their keys.
func TestRESTSourceFaults(t *testing.T) {
	var calls atomic.Int64
	var mu sync.Mutex
	var acked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ack" {
			var b struct{ Keys []string }
			_ = json.NewDecoder(r.Body).Decode(&b)
			mu.Lock()
			acked = append(acked, b.Keys...)
			mu.Unlock()
			return
		}
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(http.StatusBadGateway)
		case 2:
			time.Sleep(400 * time.Millisecond) // past the 200ms timeout
		case 3:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close() // reset
		case 4:
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Write([]byte(`[{"key": "r1", "seed": 1}, {"seed": 2}]`))
		}
	}))
	defer srv.Close()
	cfg := fastREST(srv.URL + "/requests")
	cfg.AckURL = srv.URL + "/ack"
	src, err := NewRESTSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds, err := src.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Key != "r1" || !strings.HasPrefix(ds[1].Key, "rest:") || calls.Load() != 5 {
		t.Fatalf("deliveries %+v after %d calls", ds, calls.Load())
	}
	if err := src.Commit(ctx, ds); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(acked) != 2 || acked[0] != "r1" || acked[1] != ds[1].Key {
		t.Errorf("acked %v", acked)
	}
}

// TestRESTSourceBreaker: consecutive failures open the breaker; Poll gives up with the error
// after its attempts and Check reports the open breaker.
func TestRESTSourceBreaker(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	cfg := fastREST(srv.URL)
	cfg.Retry.MaxAttempts = 4
	cfg.Breaker = BreakerOptions{Failures: 2, OpenTimeout: Duration(time.Minute), HalfOpenRequests: 1}
	src, err := NewRESTSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = src.Poll(ctx)
	if err == nil {
		t.Fatal("Poll of a failing endpoint succeeded")
	}
	if src.Breaker() != BreakerOpen || !errors.Is(src.Check(context.Background()), ErrBreakerOpen) {
		t.Errorf("breaker %s, Check %v: want open", src.Breaker(), src.Check(context.Background()))
	}
}

func TestRESTSourcePool(t *testing.T) {
	cfg := RESTSourceConfig{URL: "http://x", PoolOptions: PoolOptions{MaxConnsPerHost: 3, MaxIdleConns: 7, IdleTimeout: Duration(time.Minute)}}
	src, err := NewRESTSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := src.client.Transport.(*http.Transport)
	if tr.MaxConnsPerHost != 3 || tr.MaxIdleConns != 7 || tr.MaxIdleConnsPerHost != 3 || tr.IdleConnTimeout != time.Minute {
		t.Errorf("transport %+v does not carry the configured pool", tr)
	}
	if err := (RESTSourceConfig{URL: "ftp://x"}).Validate(); err == nil || !strings.Contains(err.Error(), "url") {
		t.Errorf("Validate(ftp) = %v", err)
	}
}
