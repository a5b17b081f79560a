package server

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"mfn/security"
)

// TestDerive: the server and a client holding the peer key derive the same bytes, and the
// use is an audit event in the schema of security.AuditEvent.
func TestDerive(t *testing.T) {
	app, logs := testApp(t, map[string]string{"MFN_LOG_FORMAT": "json"})
	h := app.Handler()
	kp := call(h, "POST", "/api/keypair", `{"algorithm":"ECDH","key_id":"ecdh-1"}`)
	if kp.Code != 200 {
		t.Fatalf("keypair: %d %s", kp.Code, kp.Body.String())
	}
	serverPub, _ := base64.StdEncoding.DecodeString(decode(t, kp)["public_key"].(string))
	client, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	peer := base64.StdEncoding.EncodeToString(client.PublicKey().Bytes())
	rec := call(h, "POST", "/api/derive", `{"key_id":"ecdh-1","peer_public_key":"`+peer+`","context":"`+b64s("job-9")+`","length":48}`)
	if rec.Code != 200 {
		t.Fatalf("derive: %d %s", rec.Code, rec.Body.String())
	}
	got := decode(t, rec)
	key, _ := base64.StdEncoding.DecodeString(got["derived_key"].(string))
	want, err := security.DeriveSharedKey(client, serverPub, []byte("job-9"), 48)
	if err != nil || !bytes.Equal(key, want) || got["algorithm"] != "X25519-HKDF-SHA256" || got["public_key"] != base64.StdEncoding.EncodeToString(serverPub) {
		t.Fatalf("derived %x, client derives %x (%v); response %v", key, want, err, got)
	}
	var line map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"audit_event":true`) && strings.Contains(l, `"operation":"derive"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	ev, _ := line["audit"].(map[string]any)
	if ev == nil || ev["action"] != "key_use" || ev["key_id"] != "ecdh-1" || ev["success"] != true || ev["schema"] != 1.0 {
		t.Fatalf("no key_use audit event in the log: %v\n%s", line, logs.String())
	}
	if strings.Contains(logs.String(), got["derived_key"].(string)) {
		t.Fatal("the derived key reached the log")
	}
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"key_id":"nope","peer_public_key":"` + peer + `"}`, 400, `Unknown key_id \"nope\": no ECDH key has this id`},
		{`{"key_id":"ecdh-1","peer_public_key":"` + b64s("short") + `"}`, 400, "peer_public_key has 5 bytes"},
		{`{"key_id":"ecdh-1","peer_public_key":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"}`, 400, "low-order"},
		{`{"key_id":"ecdh-1","peer_public_key":"!!"}`, 400, "Invalid base64-encoded peer public key"},
		{`{"key_id":"ecdh-1","peer_public_key":"` + peer + `","length":9000}`, 422, `"loc":["body","length"]`},
		{`{"peer_public_key":"` + peer + `"}`, 422, `"loc":["body","key_id"]`},
	} {
		rec := call(h, "POST", "/api/derive", c.body)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: %d %s, want %d %q", c.body, rec.Code, rec.Body.String(), c.status, c.want)
		}
	}
	if !strings.Contains(logs.String(), `"action":"key_use","category":"data_access","severity":"WARNING","success":false`) {
		t.Error("a failed derive is not audited")
	}
}

func FuzzDerive(f *testing.F) {
	fuzzEndpoint(f, "/api/derive", `{"key_id":"k","peer_public_key":"3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=","context":"Y3R4","length":64}`,
		`{"key_id":"k","peer_public_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","length":8161}`)
}
