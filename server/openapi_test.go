package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mfn/internal/gzdata"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

func init() {
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

func loadContract(t *testing.T) *openapi3.T {
	t.Helper()
	contract, err := os.ReadFile("../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(contract)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// Every route is documented and every documented operation is a route.
func TestContractCoversEveryRoute(t *testing.T) {
	doc := loadContract(t)
	served := map[string]bool{}
	for _, rt := range routeTable {
		served[rt.method+" "+rt.path] = true
		item := doc.Paths.Find(rt.path)
		if item == nil || item.GetOperation(rt.method) == nil {
			t.Errorf("route %s %s is not documented in api/openapi.yaml", rt.method, rt.path)
			continue
		}
		op := item.GetOperation(rt.method)
		public := op.Security != nil && len(*op.Security) == 0
		if public != rt.public {
			t.Errorf("%s %s: public in the contract %v, in the routes %v", rt.method, rt.path, public, rt.public)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !served[method+" "+path] {
				t.Errorf("the contract documents %s %s, which no route serves", method, path)
			}
		}
	}
}

// The contract served at /openapi.json is api/openapi.yaml.
func TestServedContractIsTheFile(t *testing.T) {
	app, _ := testApp(t, nil)
	rec := call(app.Handler(), "GET", "/openapi.json", "")
	var served map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &served); err != nil {
		t.Fatal(err)
	}
	doc := loadContract(t)
	want, _ := doc.MarshalJSON()
	var fromFile map[string]any
	_ = json.Unmarshal(want, &fromFile)
	if len(served["paths"].(map[string]any)) != len(fromFile["paths"].(map[string]any)) || served["openapi"] != "3.0.3" {
		t.Errorf("/openapi.json differs from api/openapi.yaml")
	}
	page := call(app.Handler(), "GET", "/docs", "")
	for _, rt := range routeTable {
		if !strings.Contains(page.Body.String(), rt.path) {
			t.Errorf("/docs does not mention %s", rt.path)
		}
	}
	if !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") {
		t.Errorf("/docs content type %q", page.Header().Get("Content-Type"))
	}
}

// /openapi.json and /docs are embedded gzipped: a client that accepts gzip gets those bytes,
// one that does not gets the same content plain.
func TestDocsGzippedOrPlain(t *testing.T) {
	app, _ := testApp(t, nil)
	for _, path := range []string{"/openapi.json", "/docs", "/redoc/redoc.js"} {
		plain := call(app.Handler(), "GET", path, "")
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept-Encoding", "br;q=1.0, gzip;q=0.8")
		zipped := httptest.NewRecorder()
		app.Handler().ServeHTTP(zipped, req)
		if plain.Code != 200 || zipped.Code != 200 || plain.Header().Get("Content-Encoding") != "" ||
			zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Header().Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s: status %d/%d, encodings %q/%q, vary %q", path, plain.Code, zipped.Code,
				plain.Header().Get("Content-Encoding"), zipped.Header().Get("Content-Encoding"), zipped.Header().Get("Vary"))
		}
		unzipped, err := gzdata.Decompress(zipped.Body.Bytes())
		if err != nil || !bytes.Equal(unzipped, plain.Body.Bytes()) || plain.Body.Len() < 3*zipped.Body.Len() {
			t.Errorf("%s: %v; the gzipped body (%d bytes) must be the plain one (%d bytes) compressed", path, err,
				zipped.Body.Len(), plain.Body.Len())
		}
		if cl := zipped.Header().Get("Content-Length"); cl != strconv.Itoa(zipped.Body.Len()) {
			t.Errorf("%s: Content-Length %s for %d bytes", path, cl, zipped.Body.Len())
		}
	}
}

// contractCase is a request whose real response is checked against the contract.
type contractCase struct {
	method, path, body string
	headers            []string
	status             int
}

// Every endpoint's real responses, successes and errors, match the contract.
func TestResponsesMatchContract(t *testing.T) {
	doc := loadContract(t)
	dev, _ := testApp(t, nil)
	env := withStaging(map[string]string{"MFN_RATE_LIMIT_ROUTES": "/health=1"})
	staging, _ := testApp(t, env)
	noCrypto, _ := testApp(t, map[string]string{"MFN_CRYPTO_ENABLED": "false"})
	small, _ := testApp(t, map[string]string{"MFN_MAX_BODY_BYTES": "1024"})

	sig := decode(t, call(dev.Handler(), "POST", "/api/sign", `{"message":"aGk="}`))
	enc := decode(t, call(dev.Handler(), "POST", "/api/encrypt", `{"plaintext":"aGk="}`))
	grads := `{"gradients":[[1,2],[1.1,2.1],[0.9,1.9],[100,-100]],"num_clusters":2}`
	nernst := `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14}`
	devCases := []contractCase{
		{"GET", "/health", "", nil, 200},
		{"GET", "/ready", "", nil, 200},
		{"GET", "/metrics", "", nil, 200},
		{"GET", "/openapi.json", "", nil, 200},
		{"GET", "/docs", "", nil, 200},
		{"POST", "/nernst", nernst, nil, 200},
		{"POST", "/nernst", `{"z_valence":9,"concentration_out_molar":0.005,"concentration_in_molar":0.14}`, nil, 422},
		{"POST", "/nernst", `{"concentration_out_molar":"x"`, nil, 422},
		{"POST", "/simulate", `{"grid_size":16,"steps":8}`, nil, 200},
		{"POST", "/simulate", `{"alpha":0.3}`, nil, 422},
		{"POST", "/simulate", `{"model":"gm","preset":"spots","grid_size":16,"steps":50}`, nil, 200},
		{"POST", "/simulate", `{"model":"gm","preset":"zebra"}`, nil, 422},
		{"POST", "/validate", `{"grid_size":16,"steps":8}`, nil, 200},
		{"POST", "/validate", `{"epochs":0}`, nil, 422},
		{"POST", "/federated/aggregate", grads, nil, 200},
		{"POST", "/federated/aggregate", `{"gradients":[]}`, nil, 400},
		{"POST", "/federated/aggregate", `{"gradients":[[1],[1,2]]}`, nil, 422},
		{"POST", "/api/encrypt", `{"plaintext":"aGk="}`, nil, 200},
		{"POST", "/api/encrypt", `{"plaintext":"!!"}`, nil, 400},
		{"POST", "/api/decrypt", `{"ciphertext":"` + enc["ciphertext"].(string) + `"}`, nil, 200},
		{"POST", "/api/decrypt", `{"ciphertext":"aGk="}`, nil, 400},
		{"POST", "/api/sign", `{"message":"aGk="}`, nil, 200},
		{"POST", "/api/sign", `{}`, nil, 422},
		{"POST", "/api/verify", `{"message":"aGk=","signature":"` + sig["signature"].(string) + `"}`, nil, 200},
		{"POST", "/api/verify", `{"message":"aGk=","signature":"aGk=","public_key":"aGk="}`, nil, 200},
		{"POST", "/api/verify", `{"message":"aGk=","signature":"aGk=","key_id":"nope"}`, nil, 400},
		{"POST", "/api/keypair", `{"algorithm":"ECDH","key_id":"k1"}`, nil, 200},
		{"POST", "/api/keypair", `{"algorithm":"Ed25519","key_id":"k1"}`, nil, 200},
		{"POST", "/api/keypair", `{"key_id":"k1"}`, nil, 409},
		{"POST", "/api/keypair", `{"algorithm":"RSA"}`, nil, 422},
	}
	check := func(h http.Handler, cases []contractCase) {
		for _, c := range cases {
			checkAgainstContract(t, doc, h, c)
		}
	}
	check(dev.Handler(), devCases)
	check(staging.Handler(), []contractCase{
		{"POST", "/simulate", `{}`, nil, 401},
		{"POST", "/api/keypair", `{}`, nil, 401},
		{"GET", "/health", "", nil, 200},
		{"GET", "/health", "", nil, 429},
		{"POST", "/nernst", nernst, []string{"X-API-Key", "k-one"}, 200},
	})
	check(noCrypto.Handler(), []contractCase{
		{"POST", "/api/encrypt", `{"plaintext":"aGk="}`, nil, 503},
		{"POST", "/api/verify", `{"message":"aGk=","signature":"aGk="}`, nil, 503},
	})
	check(small.Handler(), []contractCase{
		{"POST", "/federated/aggregate", `{"gradients":[[` + strings.Repeat("1,", 600) + `1]]}`, nil, 413},
		{"POST", "/api/encrypt", `{"plaintext":"` + strings.Repeat("A", 2000) + `"}`, nil, 413},
	})
	dev.readiness.Drain()
	check(dev.Handler(), []contractCase{{"GET", "/ready", "", nil, 503}})
}

func checkAgainstContract(t *testing.T, doc *openapi3.T, h http.Handler, c contractCase) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(c.headers); i += 2 {
		req.Header.Set(c.headers[i], c.headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != c.status {
		t.Errorf("%s %s %s: status %d, want %d: %s", c.method, c.path, c.body, rec.Code, c.status, rec.Body.String())
		return
	}
	item := doc.Paths.Find(c.path)
	op := item.GetOperation(c.method)
	route := &routers.Route{Spec: doc, Path: c.path, PathItem: item, Method: c.method, Operation: op}
	reqIn := &openapi3filter.RequestValidationInput{Request: req, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if c.status == 200 && c.body != "" {
		vreq := req.Clone(context.Background())
		vreq.Body = io.NopCloser(strings.NewReader(c.body))
		reqIn.Request = vreq
		if err := openapi3filter.ValidateRequest(context.Background(), reqIn); err != nil {
			t.Errorf("%s %s: the contract refuses a request the server accepts: %v", c.method, c.path, err)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqIn, Status: rec.Code, Header: rec.Header(),
		Body:    io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d does not match the contract: %v\nbody: %.300s", c.method, c.path, rec.Code, err, rec.Body.String())
	}
}

// Every status the service can answer on an operation is declared in the contract.
func TestContractDeclaresCommonStatuses(t *testing.T) {
	doc := loadContract(t)
	for _, rt := range routeTable {
		op := doc.Paths.Find(rt.path).GetOperation(rt.method)
		var have []string
		for code := range op.Responses.Map() {
			have = append(have, code)
		}
		sort.Strings(have)
		need := []string{"200", "429"}
		if strings.HasPrefix(rt.path, "/ws/") { // a WebSocket upgrade succeeds with 101
			need[0] = "101"
		}
		if !rt.public {
			need = append(need, "401", "413", "422")
		}
		for _, code := range need {
			if op.Responses.Status(atoi(code)) == nil {
				t.Errorf("%s %s does not declare %s (has %v)", rt.method, rt.path, code, have)
			}
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
