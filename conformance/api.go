package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"

	"mfn/nn"
	"mfn/server"
)

func init() {
	Register(Checker{
		Kind: "api",
		Detect: func(_ string, top map[string]json.RawMessage) bool {
			return hasKeys(top, "cases", "auth_cases")
		},
		Check: checkAPI,
	})
}

// apiCase is one recorded exchange with the reference service.
type apiCase struct {
	Env            string            `json:"env"`
	Method         string            `json:"method"`
	Path           string            `json:"path"`
	RequestJSON    json.RawMessage   `json:"request_json"`
	Headers        map[string]string `json:"headers"`
	Status         int               `json:"status"`
	ResponseJSON   json.RawMessage   `json:"response_json"`
	ContentType    string            `json:"content_type"`
	MetricNames    []string          `json:"metric_names_present"`
	HeadersPresent []string          `json:"headers_present"`
}

// apiDeviation is a recorded behaviour we change on purpose: the case matches, we answer
// status, and the ADR says why.
type apiDeviation struct {
	match  func(c apiCase) bool
	status int
	adr    string
	why    string
}

var apiDeviations = []apiDeviation{{
	match: func(c apiCase) bool {
		var req struct{ Alpha *float64 }
		return c.Path == "/simulate" && json.Unmarshal(c.RequestJSON, &req) == nil && req.Alpha != nil && *req.Alpha >= 0.25
	},
	status: http.StatusUnprocessableEntity,
	adr:    "docs/adr/0011-service-parameter-bounds.md",
	why:    "alpha at or above the CFL limit 0.25 is refused with 422 instead of simulating an unstable field",
}, {
	match: func(c apiCase) bool {
		var req struct{ Gradients [][]json.RawMessage }
		if c.Path != "/federated/aggregate" || json.Unmarshal(c.RequestJSON, &req) != nil {
			return false
		}
		for _, g := range req.Gradients {
			if len(g) != len(req.Gradients[0]) {
				return true
			}
		}
		return false
	},
	status: http.StatusUnprocessableEntity,
	adr:    "docs/adr/0012-request-decoding.md",
	why:    "ragged gradients are a 422 naming the gradient, not a 500 that leaks a torch message",
}}

// createdSuffix marks the *_created series prometheus_client adds; client_golang's text
// exposition has none (docs/adr/0015).
const createdSuffix = "_created"

// checkAPI replays every recorded request against the service's handler, in process: the
// dev cases against one instance (so /metrics sees the earlier requests, as in the recording),
// each auth case against an instance configured with its recorded environment.
func checkAPI(top map[string]json.RawMessage, r *Recorder) error {
	var cases, authCases []apiCase
	if err := json.Unmarshal(top["cases"], &cases); err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	if err := json.Unmarshal(top["auth_cases"], &authCases); err != nil {
		return fmt.Errorf("auth_cases: %w", err)
	}
	dev, err := openAPIApp(map[string]string{"MFN_ENV": "dev"})
	if err != nil {
		return err
	}
	defer dev.Close()
	for i, c := range cases {
		replayCase(r, fmt.Sprintf("case %d %s %s", i, c.Method, c.Path), dev.Handler(), c)
	}
	for i, c := range authCases {
		env := map[string]string{}
		for _, kv := range strings.Fields(c.Env) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		// The recording's environment leaves crypto on without a key file, which staging and
		// prod refuse at start-up (docs/adr/0013); no auth case touches /api/*.
		env["MFN_CRYPTO_ENABLED"] = "false"
		if c.RequestJSON == nil {
			c.RequestJSON = recordedBody(cases, c.Method, c.Path)
		}
		app, err := openAPIApp(env)
		if err != nil {
			r.Case(fmt.Sprintf("auth case %d", i), err)
			continue
		}
		replayCase(r, fmt.Sprintf("auth case %d %s %s %v", i, c.Method, c.Path, sortedKeys(c.Headers)), app.Handler(), c)
		app.Close()
	}
	return checkAPIOverGRPC(cases, r) // the same cases through the gRPC API (api_grpc.go)
}

func openAPIApp(env map[string]string) (*server.App, error) {
	cfg, err := server.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	return server.Open(context.Background(), cfg, io.Discard, "conformance")
}

// recordedBody is the body of the first successful recorded case of the same endpoint: the
// auth cases of api.json omit the body they sent (their 200 answer is the K⁺ case's).
func recordedBody(cases []apiCase, method, path string) json.RawMessage {
	for _, c := range cases {
		if c.Method == method && c.Path == path && c.Status == http.StatusOK && c.RequestJSON != nil {
			return c.RequestJSON
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func replayCase(r *Recorder, name string, h http.Handler, c apiCase) {
	var body io.Reader
	if len(c.RequestJSON) > 0 && string(c.RequestJSON) != "null" {
		body = bytes.NewReader(c.RequestJSON)
	}
	req := httptest.NewRequest(c.Method, c.Path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for _, d := range apiDeviations {
		if d.match(c) {
			if rec.Code == d.status {
				r.Deviation(name, d.adr, fmt.Sprintf("%s (reference %d, ours %d)", d.why, c.Status, rec.Code))
			} else {
				r.Case(name, fmt.Errorf("documented deviation (%s) expects status %d, got %d: %s", d.adr, d.status, rec.Code, rec.Body.String()))
			}
			return
		}
	}
	if err := compareExchange(c, rec); err != nil {
		r.Case(name, err)
		return
	}
	if missing := missingCreated(c, rec.Body.String()); len(missing) > 0 {
		r.Deviation(name, "docs/adr/0015-observability.md",
			fmt.Sprintf("Prometheus text exposition from client_golang has no %s series: %v", createdSuffix, missing))
		return
	}
	r.Case(name, nil)
}

// compareExchange checks status, headers, and the body: success and error bodies exactly
// (numbers as float64; /validate's losses within nn.TorchLossTolerance), 422 bodies by shape.
func compareExchange(c apiCase, rec *httptest.ResponseRecorder) error {
	if rec.Code != c.Status {
		return fmt.Errorf("status %d, want %d (body %s)", rec.Code, c.Status, truncate(rec.Body.String()))
	}
	for _, h := range c.HeadersPresent {
		if rec.Header().Get(h) == "" {
			return fmt.Errorf("header %s missing", h)
		}
	}
	if c.ContentType != "" {
		want, _, _ := strings.Cut(c.ContentType, ";")
		if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, want) {
			return fmt.Errorf("content type %q, want %s", got, want)
		}
	}
	for _, m := range c.MetricNames {
		if !strings.HasSuffix(m, createdSuffix) && !strings.Contains(rec.Body.String(), m) {
			return fmt.Errorf("metric %s missing from /metrics", m)
		}
	}
	if c.ResponseJSON == nil {
		return nil
	}
	var want, got any
	if err := json.Unmarshal(c.ResponseJSON, &want); err != nil {
		return err
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		return fmt.Errorf("response is not JSON: %v: %s", err, truncate(rec.Body.String()))
	}
	if c.Status == http.StatusUnprocessableEntity {
		return compareIssues(want, got)
	}
	return compareJSON("", want, got, c.Path)
}

// compareIssues checks a 422 body by shape: the same number of issues at the same locations,
// each with a string msg and type (the wording is pydantic 1's in the recording).
func compareIssues(want, got any) error {
	wl, _ := want.(map[string]any)["detail"].([]any)
	gm, ok := got.(map[string]any)
	if !ok {
		return fmt.Errorf("422 body is not an object")
	}
	gl, ok := gm["detail"].([]any)
	if !ok || len(gl) != len(wl) {
		return fmt.Errorf("422 detail %v, want %d issues like %v", gm["detail"], len(wl), wl)
	}
	for i := range wl {
		w, _ := wl[i].(map[string]any)
		g, _ := gl[i].(map[string]any)
		if !reflect.DeepEqual(w["loc"], g["loc"]) {
			return fmt.Errorf("issue %d at %v, want %v", i, g["loc"], w["loc"])
		}
		if _, ok := g["msg"].(string); !ok {
			return fmt.Errorf("issue %d has no msg", i)
		}
		if _, ok := g["type"].(string); !ok {
			return fmt.Errorf("issue %d has no type", i)
		}
	}
	return nil
}

// compareJSON compares decoded JSON values exactly, except /validate's torch-dependent losses.
func compareJSON(path string, want, got any, endpoint string) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: got %T, want an object", path, got)
		}
		if len(g) != len(w) {
			return fmt.Errorf("%s: keys %v, want %v", path, sortedKeys(g), sortedKeys(w))
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s.%s missing", path, k)
			}
			if err := compareJSON(path+"."+k, wv, gv, endpoint); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: got %v, want %v", path, got, want)
		}
		for i := range w {
			if err := compareJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], endpoint); err != nil {
				return err
			}
		}
	case float64:
		g, ok := got.(float64)
		if !ok {
			return fmt.Errorf("%s: got %v, want %v", path, got, w)
		}
		if endpoint == "/validate" {
			return validateTolerance(path, g, w)
		}
		if g != w {
			return fmt.Errorf("%s: got %v, want %v", path, g, w)
		}
	default:
		if !reflect.DeepEqual(want, got) {
			return fmt.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
	return nil
}

// validateTolerance applies validation.go's tolerances to /validate's fields, and
// nn.TorchLossTolerance to the losses (torch's float32 kernels).
func validateTolerance(path string, got, want float64) error {
	key := strings.TrimPrefix(path, ".")
	switch {
	case strings.HasPrefix(key, "loss_"):
		if math.Abs(got-want) > nn.TorchLossTolerance*math.Abs(want) {
			return fmt.Errorf("%s: got %v, want %v within %g relative", key, got, want, nn.TorchLossTolerance)
		}
		return nil
	case key == "example_fractal_dim" || key == "lyapunov_exponent":
		return approx(key, got, want, relTranscendental, absNearZero)
	}
	return exact(key, got, want)
}

// missingCreated lists the recorded *_created metric names absent from the response.
func missingCreated(c apiCase, body string) []string {
	var out []string
	for _, m := range c.MetricNames {
		if strings.HasSuffix(m, createdSuffix) && !strings.Contains(body, m) {
			out = append(out, m)
		}
	}
	return out
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
