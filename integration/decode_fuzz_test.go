package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// FuzzRESTBody: whatever an upstream answers, the poller either hands out deliveries whose
// values are JSON and whose keys are set, or returns an error; it never panics.
func FuzzRESTBody(f *testing.F) {
	for _, s := range []string{`[{"key": "r1", "seed": 1}, {"seed": 2}]`, `{"seed": 3}`, `[]`, ``, `[`, `nul`, `"x"`, `[1, "a", null]`, `{"key": 5}`} {
		f.Add([]byte(s))
	}
	var body atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(*body.Load()) }))
	defer srv.Close()
	src, err := NewRESTSource(RESTSourceConfig{URL: srv.URL})
	if err != nil {
		f.Fatal(err)
	}
	defer src.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		body.Store(&b)
		ds, err := src.fetch(context.Background())
		if err != nil {
			return
		}
		for _, d := range ds {
			if d.Key == "" || !json.Valid(d.Value) {
				t.Fatalf("delivery %+v from body %q: want a key and a JSON value", d, b)
			}
		}
	})
}

// FuzzReadRequests: a request file (one JSON document, or JSONL) is either read into JSON
// values or refused with an error; it never panics.
func FuzzReadRequests(f *testing.F) {
	for _, s := range []string{"{\"seed\": 1}\n{\"seed\": 2}\n", "\n\n{}\n", "not json", "{\"a\":\n1}", "[1,2]\n\"x\"\n"} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte, jsonl bool) {
		path := filepath.Join(dir, "r.json")
		if jsonl {
			path += "l"
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		vs, err := readRequests(path)
		if err != nil {
			return
		}
		for _, v := range vs {
			if !json.Valid(v) {
				t.Fatalf("readRequests(%q) gave %q, not JSON", b, v)
			}
		}
	})
}
