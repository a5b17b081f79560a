package server

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// /api/keypair appends one line per key to the key file instead of rewriting it; the keys
// survive a restart; a record cut short by a crash is ignored and cut off by the next add.
func TestKeypairAppendsToTheKeyFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	env := map[string]string{"MFN_ENV": "prod", "MFN_API_KEY_REQUIRED": "false", "MFN_CRYPTO_KEY_FILE": file}
	a, _ := testApp(t, env)
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"k1", "k2", "k3"} {
		if rec := call(a.Handler(), "POST", "/api/keypair", `{"key_id":"`+id+`"}`); rec.Code != 200 {
			t.Fatalf("keypair %s: %d %s", id, rec.Code, rec.Body.String())
		}
	}
	after, _ := os.ReadFile(file)
	if !bytes.HasPrefix(after, before) {
		t.Fatalf("the key file was rewritten, not appended to:\n%s", after)
	}
	if added := strings.Count(string(after[len(before):]), "\n"); added != 3 {
		t.Errorf("%d lines appended for 3 keys:\n%s", added, after[len(before):])
	}
	// A torn append (a crash mid-write) is ignored, then cut off.
	f, _ := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString(`{"add":"signing","id":"torn","ke`)
	f.Close()
	b, _ := testApp(t, env)
	if rec := call(b.Handler(), "POST", "/api/sign", `{"message":"aGk=","key_id":"k2"}`); rec.Code != 200 {
		t.Fatalf("a restart with a torn record: %d %s", rec.Code, rec.Body.String())
	}
	if rec := call(b.Handler(), "POST", "/api/keypair", `{"key_id":"k4"}`); rec.Code != 200 {
		t.Fatalf("keypair after a torn record: %d %s", rec.Code, rec.Body.String())
	}
	final, _ := os.ReadFile(file)
	if bytes.Contains(final, []byte("torn")) {
		t.Errorf("the torn record was not cut off:\n%s", final[len(before):])
	}
	if _, _, err := readKeySetFile(file); err != nil {
		t.Errorf("the file after the repair: %v", err)
	}
}

// An API key may create at most MFN_CRYPTO_MAX_KEYS_PER_API_KEY key pairs; other keys keep
// their own allowance, and the count survives a restart (it is read from the file's log).
func TestKeypairsPerAPIKeyAreBounded(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	env := map[string]string{"MFN_ENV": "staging", "MFN_API_KEY": "k-one", "MFN_API_KEYS": "k-two",
		"MFN_CRYPTO_KEY_FILE": file, "MFN_CRYPTO_MAX_KEYS_PER_API_KEY": "2"}
	a, _ := testApp(t, env)
	for i, want := range []int{200, 200, 403} {
		rec := call(a.Handler(), "POST", "/api/keypair", `{}`, "X-API-Key", "k-one")
		if rec.Code != want {
			t.Fatalf("k-one's key pair %d: %d %s", i+1, rec.Code, rec.Body.String())
		}
		if want == 403 && !strings.Contains(rec.Body.String(), "MFN_CRYPTO_MAX_KEYS_PER_API_KEY") {
			t.Errorf("the refusal should name the limit: %s", rec.Body.String())
		}
	}
	if rec := call(a.Handler(), "POST", "/api/keypair", `{"algorithm":"ECDH"}`, "X-API-Key", "k-two"); rec.Code != 200 {
		t.Errorf("k-two: %d %s", rec.Code, rec.Body.String())
	}
	b, _ := testApp(t, env)
	if rec := call(b.Handler(), "POST", "/api/keypair", `{}`, "X-API-Key", "k-one"); rec.Code != 403 {
		t.Errorf("k-one after a restart: %d", rec.Code)
	}
}

// key_ids with control characters or lone surrogates are refused (issue 18: "\ud800" and
// "\udfff" both became U+FFFD and collided as 409); a surrogate pair is a character.
func TestKeyIDsMustBeDistinctAndPrintable(t *testing.T) {
	app, _ := testApp(t, nil)
	for _, id := range []string{`\ud800`, `\udfff`, `a\u0000b`, `tab\there`, `\u007f`, `x\ud800\u0041`, `\udc00\ud800`, "\ufffd", `\ufffd`} {
		rec := call(app.Handler(), "POST", "/api/keypair", `{"key_id":"`+id+`"}`)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "key_id") {
			t.Errorf("key_id %s: %d %s", id, rec.Code, rec.Body.String())
		}
	}
	for _, id := range []string{`\ud83d\ude00`, `caf\u00e9`, `key-1`} {
		if rec := call(app.Handler(), "POST", "/api/keypair", `{"key_id":"`+id+`"}`); rec.Code != 200 {
			t.Errorf("key_id %s: %d %s", id, rec.Code, rec.Body.String())
		}
	}
	if rec := call(app.Handler(), "POST", "/api/sign", `{"message":"aGk=","key_id":"\ud800"}`); rec.Code != 422 {
		t.Errorf("a lone surrogate in a lookup: %d", rec.Code)
	}
}

// FuzzKeyFile: the key file reader never panics, and whatever it accepts is a valid key set
// whose every key decodes to its size.
func FuzzKeyFile(f *testing.F) {
	doc := `{"version":1,"encryption":{"default":"e","keys":{"e":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}},` +
		`"signing":{"default":"s","keys":{"s":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}},"ecdh":{"keys":{}}}`
	rec := `{"add":"ecdh","id":"x","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","owner":"ab"}`
	f.Add([]byte(doc))
	f.Add([]byte(doc + "\n"))
	f.Add([]byte(doc + "\n" + rec + "\n"))
	f.Add([]byte(doc + "\n" + rec + "\n" + rec + "\n"))
	f.Add([]byte(doc + "\n" + rec[:20]))
	f.Add([]byte(doc + "\n\n" + `{"add":"nope"}` + "\n"))
	f.Add([]byte(doc + " " + rec + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ks, owners, complete, err := parseKeyFile(b)
		if err != nil {
			return
		}
		if complete < 0 || complete > int64(len(b)) || owners == nil {
			t.Fatalf("complete %d of %d, owners %v", complete, len(b), owners)
		}
		if err := ks.check(); err != nil {
			t.Fatalf("accepted an invalid key set: %v", err)
		}
		for _, sec := range []keySection{ks.Signing, ks.ECDH} {
			for id, v := range sec.Keys {
				if raw, err := b64decode(v); err != nil || len(raw) != 32 {
					t.Fatalf("key %q: %v", id, err)
				}
			}
		}
	})
}

// BenchmarkKeypairWith3000Keys is /api/keypair on a key file that already holds 3,000 added
// key pairs (issue 18: the whole-file rewrite took an add from 1.25 to 11.3 ms by then).
func BenchmarkKeypairWith3000Keys(b *testing.B) {
	file := filepath.Join(b.TempDir(), "keys.json")
	app, _ := testApp(b, map[string]string{"MFN_ENV": "prod", "MFN_API_KEY_REQUIRED": "false", "MFN_CRYPTO_KEY_FILE": file,
		"MFN_CRYPTO_MAX_KEYS_PER_API_KEY": "1000000", "MFN_CRYPTO_AUDIT_LOG": "false", "MFN_RATE_LIMIT_ENABLED": "false"})
	for range 3000 {
		if rec := call(app.Handler(), "POST", "/api/keypair", `{}`); rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
	for b.Loop() {
		if rec := call(app.Handler(), "POST", "/api/keypair", `{}`); rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
