package server

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// Failed authentications are limited per client address before the key is checked (issue
// 18: 1,500 wrong keys in 0.4 s, all 401): after the burst an address gets 429 with
// Retry-After, even with a right key, while other addresses are untouched.
func TestFailedAuthenticationIsRateLimited(t *testing.T) {
	app, _ := testApp(t, withStaging(map[string]string{"MFN_AUTH_FAILURE_BURST": "5", "MFN_AUTH_FAILURE_INTERVAL": "10s"}))
	h := app.Handler()
	from := func(addr, key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/nernst", strings.NewReader(`{"concentration_out_molar":0.005,"concentration_in_molar":0.14}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = addr + ":4242"
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 5 {
		key := "wrong-" + strconv.Itoa(i)
		if i == 4 {
			key = "" // a missing key is a failed attempt too
		}
		if rec := from("192.0.2.1", key); rec.Code != 401 {
			t.Fatalf("attempt %d: %d, want 401", i, rec.Code)
		}
	}
	for _, key := range []string{"wrong-5", "k-one"} {
		rec := from("192.0.2.1", key)
		ra, _ := strconv.Atoi(rec.Header().Get("Retry-After"))
		if rec.Code != 429 || ra < 1 || !strings.Contains(rec.Body.String(), "too_many_failed_authentications") {
			t.Errorf("key %q after the burst: %d Retry-After %q %s", key, rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
		}
	}
	if rec := from("192.0.2.2", "k-one"); rec.Code != 200 {
		t.Errorf("another address with a right key: %d %s", rec.Code, rec.Body.String())
	}
	if rec := from("192.0.2.2", "nope"); rec.Code != 401 {
		t.Errorf("another address with a wrong key: %d", rec.Code)
	}
	// Public routes are never limited.
	req := httptest.NewRequest("GET", "/health", nil)
	req.RemoteAddr = "192.0.2.1:4242"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("/health from the blocked address: %d", rec.Code)
	}
}
