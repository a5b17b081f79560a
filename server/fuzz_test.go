package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// Bad input of every kind (malformed JSON, wrong types, unknown fields, huge numbers, NaN and
// Inf, deep nesting) must get a 4xx with a clear detail: never a 500, never a crash. Slow but
// valid requests hit the 100 ms handler timeout (503) so that fuzzing stays fast.

var fuzzSeeds = []string{
	``, `{}`, `[]`, `null`, `"x"`, `1`, `{`, `{"a":1} x`, `{"a":1,}`, `{"seed":NaN}`, `{"seed":Infinity}`,
	`{"grid_size":1e309}`, `{"steps":-1e400}`, `{"alpha":"nan"}`, `{"alpha":"-inf"}`, `{"z_valence":true}`,
	`{"gradients":[[1,2],[3]]}`, `{"gradients":[[null]]}`, `{"gradients":null}`, `{"gradients":[["1","2"],[3,4]]}`,
	`{"gradients":[[1e39]]}`, `{"gradients":[[[1]]]}`, `{"plaintext":"aGk=","key_id":null}`, `{"plaintext":1}`,
	`{"message":"aGk=","signature":"aGk=","public_key":""}`, `{"algorithm":"ECDH"}`, `{"algorithm":null}`,
	`{"seed":18446744073709551616}`, `{"seed":"0x10"}`, `{"epochs":1,"grid_size":8,"steps":1}`,
	`{"concentration_out_molar":1e-300,"concentration_in_molar":1e300,"z_valence":-3}`,
	"{\"a\":\"\xff\"}", `{"a":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`,
	`{"grid_size":8,"steps":1,"unknown":{"deep":[1,2,3]}}`,
}

func fuzzEndpoint(f *testing.F, path string, extra ...string) {
	app, _ := testApp(f, map[string]string{"MFN_HANDLER_TIMEOUT": "100ms", "MFN_MAX_BODY_BYTES": "65536", "MFN_LOG_LEVEL": "ERROR"})
	h := app.Handler()
	for _, s := range append(fuzzSeeds, extra...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK:
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("200 with invalid JSON: %q", rec.Body.String())
			}
		case rec.Code >= 400 && rec.Code < 500 || rec.Code == http.StatusServiceUnavailable:
			var b struct{ Detail json.RawMessage }
			if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || len(b.Detail) < 3 {
				t.Fatalf("%d without a detail: %q", rec.Code, rec.Body.String())
			}
			if rec.Code == http.StatusUnprocessableEntity {
				var is []Issue
				if err := json.Unmarshal(b.Detail, &is); err != nil || len(is) == 0 {
					t.Fatalf("422 detail is not a list of issues: %s", b.Detail)
				}
				for _, i := range is {
					if i.Type == "" || i.Msg == "" || len(i.Loc) == 0 || i.Loc[0] != "body" {
						t.Fatalf("bad issue %+v", i)
					}
				}
			}
		default:
			t.Fatalf("%s %q: status %d: %s", path, body, rec.Code, rec.Body.String())
		}
	})
}

func FuzzNernst(f *testing.F) {
	fuzzEndpoint(f, "/nernst", `{"z_valence":2,"concentration_out_molar":0.002,"concentration_in_molar":1e-07}`)
}

func FuzzSimulate(f *testing.F) {
	fuzzEndpoint(f, "/simulate", `{"seed":3,"grid_size":32,"steps":40,"alpha":0.1,"spike_probability":0.5,"turing_enabled":false}`,
		`{"model":"gm","preset":"stripes","grid_size":16,"steps":20,"params":{"d_i":3}}`, `{"model":"gm","params":{"d_a":1e308}}`)
}

func FuzzValidate(f *testing.F) {
	fuzzEndpoint(f, "/validate", `{"seed":1,"epochs":1,"batch_size":2,"grid_size":8,"steps":2,"quantum_jitter":"yes"}`)
}

func FuzzAggregate(f *testing.F) {
	fuzzEndpoint(f, "/federated/aggregate", `{"gradients":[[1.0,2.0],[1.1,2.1],[0.9,1.9],[100.0,-100.0]],"num_clusters":1,"byzantine_fraction":0.25}`)
}

func FuzzEncrypt(f *testing.F) {
	fuzzEndpoint(f, "/api/encrypt", `{"plaintext":"aGVsbG8=","associated_data":"Y3R4"}`)
}

func FuzzDecrypt(f *testing.F) {
	fuzzEndpoint(f, "/api/decrypt", `{"ciphertext":"b+OpO93/sn2IM/N+vaKNaruZt3yQp/3PGkq1uZmFdiDL"}`)
}

func FuzzSign(f *testing.F) { fuzzEndpoint(f, "/api/sign", `{"message":"aGVsbG8="}`) }

func FuzzVerify(f *testing.F) {
	fuzzEndpoint(f, "/api/verify", `{"message":"aGk=","signature":"aGk=","public_key":"q7MwMsbYrszNAxSf5TnqtPs4SVWNpGsB2jywnU4bAzg="}`)
}

func FuzzKeypair(f *testing.F) { fuzzEndpoint(f, "/api/keypair", `{"algorithm":"ECDH","key_id":"k"}`) }

// splitObject agrees with encoding/json on every valid JSON object.
func FuzzSplitObject(f *testing.F) {
	for _, s := range []string{`{}`, ` { "a" : 1 , "b":[1,{"c":"}"}] ,"a":"x\"y"} `, `{"\u0061":true,"é":null,"":-1.5e3}`,
		`{"k":{"nested":{"deep":[[],{}]}},"s":"a\\\\"}`, `[1]`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want map[string]json.RawMessage
		// parseForm refuses invalid UTF-8 before splitting (encoding/json would replace it).
		if !utf8.Valid(b) || !json.Valid(b) || json.Unmarshal(b, &want) != nil || want == nil {
			return
		}
		got, err := splitObject(bytes.TrimSpace(b))
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d members, want %d", b, len(got), len(want))
		}
		for k, v := range want {
			if !bytes.Equal(bytes.TrimSpace(got[k]), bytes.TrimSpace(v)) {
				t.Fatalf("%q: member %q = %q, want %q", b, k, got[k], v)
			}
		}
	})
}
