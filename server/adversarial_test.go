package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The adversarial matrix of issue 18 as a test: malformed input on every endpoint,
// attempts to get past the API key, and slow clients. Zero 5xx, zero bypasses, and the heap
// bounded across the whole run.

// adversarialEnv requires keys (staging) and lifts the request and failed-auth rate limits,
// so that every case reaches the layer it attacks.
func adversarialEnv() map[string]string {
	return withStaging(map[string]string{"MFN_CRYPTO_ENABLED": "true", "MFN_ENV": "dev", "MFN_API_KEY_REQUIRED": "true",
		"MFN_RATE_LIMIT_ENABLED": "false", "MFN_AUTH_FAILURE_BURST": "1000000", "MFN_CORS_ORIGINS": "https://a.example"})
}

// endpointFields are each POST endpoint's fields, which the matrix sets to hostile values.
var endpointFields = map[string][]string{
	"/nernst":              {"z_valence", "concentration_out_molar", "concentration_in_molar", "temperature_k"},
	"/simulate":            {"seed", "grid_size", "steps", "alpha", "spike_probability", "turing_enabled"},
	"/validate":            {"seed", "epochs", "batch_size", "grid_size", "steps", "turing_enabled", "quantum_jitter"},
	"/federated/aggregate": {"gradients", "num_clusters", "byzantine_fraction"},
	"/api/encrypt":         {"plaintext", "key_id", "associated_data"},
	"/api/decrypt":         {"ciphertext", "key_id", "associated_data"},
	"/api/sign":            {"message", "key_id"},
	"/api/verify":          {"message", "signature", "public_key", "key_id"},
	"/api/keypair":         {"algorithm", "key_id"},
}

// hostileValues are JSON values for any field: wrong types, extremes, oddities.
var hostileValues = []string{
	`null`, `true`, `false`, `""`, `" "`, `"x"`, `"NaN"`, `"Infinity"`, `"-inf"`, `"1e400"`, `[]`, `[[]]`, `[[null]]`, `{}`,
	`0`, `-0`, `-1`, `1e308`, `-1e308`, `1e-320`, `1e-9`, `9223372036854775808`, `-9223372036854775809`,
	`18446744073709551616`, `0.5`, `3.4028234663852886e38`, `1e39`, `[[1e39]]`, `[[1,2],[3]]`, `[[1],[2]]`,
	`"\u0000"`, `"\ud800"`, `"` + strings.Repeat("A", 5000) + `"`, `[` + strings.Repeat(`[1],`, 2000) + `[1]]`,
	`"aGk="`, `"!!!"`, `"ECDH"`, `"RSA"`,
}

// malformedBodies are bodies that are not a valid request object.
var malformedBodies = []string{
	``, ` `, `{`, `}`, `[]`, `null`, `1`, `"x"`, `{"a":1}`, `{"a":}`, `{,}`, `{"x":1,}`, "\xff\xfe{}", "\ufeff{}",
	`{"gradients":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000),
	`{"seed":1,"seed":"x"}`, `{"z_valence":1e999}`, `{"message":"` + strings.Repeat("\\u0041", 2000) + `"}`,
}

// extremeBodies are complete requests at the edges of what validation accepts.
var extremeBodies = map[string][]string{
	"/nernst": {`{"concentration_out_molar":1e308,"concentration_in_molar":1e-9}`,
		`{"concentration_out_molar":1e-320,"concentration_in_molar":1e308,"z_valence":-3,"temperature_k":273}`,
		`{"concentration_out_molar":5e-324,"concentration_in_molar":5e-324,"z_valence":3,"temperature_k":373}`},
	"/simulate": {`{"grid_size":8,"steps":1,"alpha":0.25,"spike_probability":1,"seed":18446744073709551615}`,
		`{"grid_size":8,"steps":3,"alpha":0,"spike_probability":0,"turing_enabled":false,"seed":0}`},
	"/validate": {`{"grid_size":8,"steps":1,"epochs":1,"batch_size":64,"seed":9223372036854775807,"quantum_jitter":true}`},
	"/federated/aggregate": {`{"gradients":[[3.4028234663852886e38,-3.4028234663852886e38],[1e-45,-1e-45],[0,0]],"num_clusters":1000,"byzantine_fraction":0.4999}`,
		`{"gradients":[[1]],"num_clusters":1,"byzantine_fraction":0}`,
		`{"gradients":[[1e-45],[-1e-45],[1e-45],[-1e-45]],"num_clusters":1}`},
}

// checkResponse fails on a 5xx or an error body that is not {"detail": …} JSON.
func checkResponse(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
		t.Errorf("%s: %d %.200s", what, rec.Code, rec.Body.String())
		return
	}
	if rec.Code >= 400 {
		var v map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v["detail"] == nil {
			t.Errorf("%s: %d with a body that is not {\"detail\": …}: %.200q", what, rec.Code, rec.Body.String())
		}
	}
}

func TestAdversarialMalformedInput(t *testing.T) {
	app, _ := testApp(t, adversarialEnv())
	h := app.Handler()
	key := stagingAuth["MFN_API_KEY"]
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	n := 0
	for path, fields := range endpointFields {
		for _, body := range malformedBodies {
			checkResponse(t, fmt.Sprintf("%s %.40q", path, body), call(h, "POST", path, body, "X-API-Key", key))
			n++
		}
		for _, ct := range []string{"text/plain", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/json;;"} {
			req := httptest.NewRequest("POST", path, strings.NewReader(`{}`))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("X-API-Key", key)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkResponse(t, path+" Content-Type "+ct, rec)
			n++
		}
		for _, f := range fields {
			for _, v := range hostileValues {
				body := `{"` + f + `":` + v + `}`
				if path == "/federated/aggregate" && f != "gradients" {
					body = `{"gradients":[[1,2],[3,4],[5,6]],"` + f + `":` + v + `}`
				}
				checkResponse(t, fmt.Sprintf("%s %.80s", path, body), call(h, "POST", path, body, "X-API-Key", key))
				n++
			}
		}
	}
	for path, bodies := range extremeBodies {
		for _, body := range bodies {
			checkResponse(t, path+" "+body, call(h, "POST", path, body, "X-API-Key", key))
			n++
		}
	}
	// Streams: hostile query strings for SSE.
	for _, q := range []string{"?steps=-1", "?grid_size=1e9", "?seed=x", "?update_interval_ms=0", "?features=" + strings.Repeat("a,", 5000),
		"?steps=1&steps=2", "?alpha=NaN", "?include_full_state=maybe"} {
		for _, p := range []string{"/sse/simulation_live", "/sse/stream_features"} {
			rec := call(h, "GET", p+q, "", "X-API-Key", key, "Last-Event-ID", "-5")
			checkResponse(t, p+q, rec)
			n++
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grown := int64(ms.HeapInuse) - int64(base)
	t.Logf("%d malformed requests, heap in use after them %+.1f MB", n, float64(grown)/1e6)
	if grown > 64<<20 {
		t.Errorf("the heap grew by %.0f MB over the malformed requests", float64(grown)/1e6)
	}
}

// A bypass is a 2xx that carries a result (a JSON object, or an event stream) without the
// right key. (A CORS preflight's 200 "OK" runs no handler.)
func isBypass(rec *httptest.ResponseRecorder) bool {
	if rec.Code < 200 || rec.Code > 299 {
		return false
	}
	b := strings.TrimSpace(rec.Body.String())
	return strings.HasPrefix(b, "{") && !strings.Contains(b, `"detail"`) || strings.Contains(b, "event:") || strings.HasPrefix(b, "retry:")
}

func TestAdversarialAuthBypass(t *testing.T) {
	app, _ := testApp(t, adversarialEnv())
	h := app.Handler()
	key := stagingAuth["MFN_API_KEY"]
	var protected []route // every protected route, including those added after this test
	for _, rt := range routeTable {
		if !rt.public {
			protected = append(protected, rt)
		}
	}
	bodies := map[string]string{"/nernst": `{"concentration_out_molar":0.005,"concentration_in_molar":0.14}`,
		"/simulate": `{"grid_size":8,"steps":1}`, "/validate": `{"grid_size":8,"steps":1}`,
		"/federated/aggregate": `{"gradients":[[1]]}`, "/api/encrypt": `{"plaintext":"aGk="}`, "/api/sign": `{"message":"aGk="}`,
		"/api/keypair": `{}`}
	keys := [][]string{
		nil, {"X-API-Key", ""}, {"X-API-Key", "wrong"}, {"X-API-Key", strings.ToUpper(key)}, {"X-API-Key", " " + key + "x"},
		{"X-API-Key", key[:len(key)-1]}, {"X-API-Key", key + "\x00"}, {"X_API_KEY", key}, {"Authorization", "Bearer " + key},
		{"X-Api-Key-", key}, {"Api-Key", key}, {"X-Forwarded-For", "127.0.0.1"}, {"X-Real-IP", "127.0.0.1"},
	}
	if rec := call(h, "POST", "/nernst", bodies["/nernst"], "X-API-Key", key); !isBypass(rec) {
		t.Fatalf("control: a keyed request's %d %s does not count as a result", rec.Code, rec.Body.String())
	}
	n, bypasses := 0, 0
	try := func(method, path, body string, hdr []string) {
		rec := call(h, method, path, body, hdr...)
		n++
		checkResponse(t, method+" "+path, rec)
		if isBypass(rec) {
			bypasses++
			t.Errorf("bypass: %s %s %v → %d %.200s", method, path, hdr, rec.Code, rec.Body.String())
		}
	}
	for _, rt := range protected {
		p, method := rt.path, rt.method
		for _, k := range keys {
			try(method, p, bodies[p], k)
			try(method, p+"?api_key="+key, bodies[p], k)
		}
		for _, variant := range []string{"/" + p, p + "/", strings.ToUpper(p), "/." + p, p + "/.", "/x/.." + p, p + ";x",
			p + "%00", strings.Replace(p, "/", "/%2e/", 1), p + "#x", p + "%20", "/%2F" + p[1:]} {
			for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND"} {
				req := httptest.NewRequest(m, "/", strings.NewReader(bodies[p]))
				req.URL.Path, req.URL.RawPath, req.RequestURI = variant, "", variant
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				n++
				checkResponse(t, m+" "+variant, rec)
				if isBypass(rec) {
					bypasses++
					t.Errorf("bypass: %s %q → %d %.200s", m, variant, rec.Code, rec.Body.String())
				}
			}
		}
		// A CORS preflight answers without running the handler.
		try("OPTIONS", p, "", []string{"Origin", "https://a.example", "Access-Control-Request-Method", "POST"})
	}
	// Header smuggling and framing tricks over a real connection.
	addr, _ := serveApp(t, app, nil)
	for _, raw := range []string{
		"POST /simulate HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST /simulate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
		"POST /simulate HTTP/1.1\r\nHost: x\r\nX-API-Key: wrong\r\nX-API-Key: " + key + "\r\nContent-Length: 2\r\n\r\n{}",
		"POST /simulate HTTP/1.1\r\nHost: x\r\nX-API-Key: wrong\r\n " + key + "\r\nContent-Length: 2\r\n\r\n{}",
		"POST /simulate HTTP/1.1\r\nHost: x\r\nX-API-Key : " + key + "\r\nContent-Length: 2\r\n\r\n{}",
		"POST http://x/simulate HTTP/1.1\r\nHost: y\r\nContent-Length: 2\r\n\r\n{}",
		"POST //simulate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
		"POST /simulate HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}",
		"POST /%73imulate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
	} {
		resp, body := rawRequest(t, addr, raw)
		n++
		if resp.StatusCode >= 500 || resp.StatusCode < 300 && !strings.Contains(body, "detail") {
			bypasses++
			t.Errorf("raw %.60q: %d %.200s", raw, resp.StatusCode, body)
		}
	}
	t.Logf("%d auth-bypass attempts, %d bypasses", n, bypasses)
}

func TestAdversarialSlowClients(t *testing.T) {
	app, _ := testApp(t, adversarialEnv())
	addr, _ := serveApp(t, app, nil)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	// Slowloris: headers that never end, bodies that never come, responses never read.
	for i := range 150 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		switch i % 3 {
		case 0:
			_, _ = io.WriteString(c, "POST /simulate HTTP/1.1\r\nHost: x\r\nX-A: ")
		case 1:
			_, _ = io.WriteString(c, "POST /nernst HTTP/1.1\r\nHost: x\r\nX-API-Key: "+stagingAuth["MFN_API_KEY"]+
				"\r\nContent-Type: application/json\r\nContent-Length: 4000000\r\n\r\n{\"concentration_out_molar\":")
		case 2:
			_, _ = io.WriteString(c, "GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for range 20 {
		resp, err := client.Get("http://" + addr + "/health")
		if err != nil {
			t.Fatalf("/health with 150 slow clients: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("/health with 150 slow clients: %d", resp.StatusCode)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grown := int64(ms.HeapInuse) - int64(base)
	t.Logf("150 slow clients: /health answered 20 of 20, heap %+.1f MB", float64(grown)/1e6)
	if grown > 64<<20 {
		t.Errorf("150 slow clients grew the heap by %.0f MB", float64(grown)/1e6)
	}
}
