package server

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func b64s(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestEncryptDecryptRoundTrip(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	enc := call(h, "POST", "/api/encrypt", `{"plaintext":"`+b64s("hello")+`","associated_data":"`+b64s("ctx")+`"}`)
	e := decode(t, enc)
	if enc.Code != 200 || e["algorithm"] != "AES-256-GCM" || !strings.HasPrefix(e["key_id"].(string), "key_") {
		t.Fatalf("encrypt: %d %s", enc.Code, enc.Body.String())
	}
	ct, _ := base64.StdEncoding.DecodeString(e["ciphertext"].(string))
	if len(ct) != 5+28 {
		t.Errorf("ciphertext of %d bytes, want nonce+5+tag = 33", len(ct))
	}
	dec := call(h, "POST", "/api/decrypt", `{"ciphertext":"`+e["ciphertext"].(string)+`","key_id":"`+e["key_id"].(string)+`","associated_data":"`+b64s("ctx")+`"}`)
	d := decode(t, dec)
	if dec.Code != 200 || d["plaintext"] != b64s("hello") || d["key_id"] != e["key_id"] || len(d) != 2 {
		t.Fatalf("decrypt: %d %s", dec.Code, dec.Body.String())
	}
	for body, want := range map[string]string{
		`{"ciphertext":"` + e["ciphertext"].(string) + `","associated_data":"` + b64s("other") + `"}`: "Decryption failed: Decryption failed (possible tampering or wrong key)",
		`{"ciphertext":"` + b64s("short") + `"}`:                                                      "Decryption failed: Ciphertext too short: 5 bytes. Minimum is 28 bytes.",
		`{"ciphertext":"not-valid-base64!!!"}`:                                                        "Invalid base64-encoded ciphertext",
		`{"ciphertext":"` + e["ciphertext"].(string) + `","key_id":"key_nope"}`:                       `Unknown key_id "key_nope": no encryption key has this id`,
	} {
		rec := call(h, "POST", "/api/decrypt", body)
		if rec.Code != 400 || decode(t, rec)["detail"] != want {
			t.Errorf("%s: %d %s, want 400 %q", body, rec.Code, rec.Body.String(), want)
		}
	}
	if rec := call(h, "POST", "/api/encrypt", `{"plaintext":"aGVsbG8=","key_id":"key_unknown"}`); rec.Code != 400 {
		t.Errorf("unknown key_id on encrypt: %d %s", rec.Code, rec.Body.String())
	}
	if is := issues(t, call(h, "POST", "/api/encrypt", `{"plaintext":""}`)); is[0].Type != "string_too_short" {
		t.Errorf("empty plaintext: %+v", is)
	}
	if is := issues(t, call(h, "POST", "/api/encrypt", `{"plaintext":"aGk=","key_id":"`+strings.Repeat("k", 65)+`"}`)); is[0].Type != "string_too_long" {
		t.Errorf("long key_id: %+v", is)
	}
}

func TestSignVerifyKeypair(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	kp := decode(t, call(h, "POST", "/api/keypair", `{"algorithm":"Ed25519","key_id":"alice"}`))
	if kp["key_id"] != "alice" || kp["algorithm"] != "Ed25519" {
		t.Fatalf("keypair: %v", kp)
	}
	pub, _ := base64.StdEncoding.DecodeString(kp["public_key"].(string))
	msg := b64s("the message")
	s1 := decode(t, call(h, "POST", "/api/sign", `{"message":"`+msg+`","key_id":"alice"}`))
	s2 := decode(t, call(h, "POST", "/api/sign", `{"message":"`+msg+`","key_id":"alice"}`))
	if s1["signature"] != s2["signature"] || s1["key_id"] != "alice" || s1["algorithm"] != "Ed25519" {
		t.Errorf("signatures differ or wrong fields: %v %v", s1, s2)
	}
	sig, _ := base64.StdEncoding.DecodeString(s1["signature"].(string))
	if !ed25519.Verify(pub, []byte("the message"), sig) {
		t.Error("signature does not verify with crypto/ed25519")
	}
	for body, want := range map[string]bool{
		`{"message":"` + msg + `","signature":"` + s1["signature"].(string) + `","key_id":"alice"}`:                                 true,
		`{"message":"` + msg + `","signature":"` + s1["signature"].(string) + `","public_key":"` + kp["public_key"].(string) + `"}`: true,
		`{"message":"` + b64s("other") + `","signature":"` + s1["signature"].(string) + `","key_id":"alice"}`:                       false,
		`{"message":"` + msg + `","signature":"` + b64s("short") + `","key_id":"alice"}`:                                            false,
		`{"message":"` + msg + `","signature":"` + s1["signature"].(string) + `","public_key":"` + b64s("not a 32-byte key") + `"}`: false,
		`{"message":"` + msg + `","signature":"` + s1["signature"].(string) + `"}`:                                                  false, // the default key is not alice
	} {
		rec := call(h, "POST", "/api/verify", body)
		if rec.Code != 200 || decode(t, rec)["valid"] != want {
			t.Errorf("%s: %d %s, want valid=%v", body, rec.Code, rec.Body.String(), want)
		}
	}
	v := decode(t, call(h, "POST", "/api/verify", `{"message":"`+msg+`","signature":"`+s1["signature"].(string)+`","public_key":"`+kp["public_key"].(string)+`"}`))
	if v["key_id"] != nil {
		t.Errorf("verify with a public key echoes key_id %v, want null", v["key_id"])
	}
	if rec := call(h, "POST", "/api/sign", `{"message":"`+msg+`","key_id":"bob"}`); rec.Code != 400 {
		t.Errorf("unknown signing key: %d", rec.Code)
	}
	if rec := call(h, "POST", "/api/keypair", `{"key_id":"alice"}`); rec.Code != 409 {
		t.Errorf("overwriting alice: %d %s", rec.Code, rec.Body.String())
	}
	if is := issues(t, call(h, "POST", "/api/keypair", `{"algorithm":"RSA"}`)); is[0].Type != "string_pattern_mismatch" {
		t.Errorf("RSA: %+v", is)
	}
	x := decode(t, call(h, "POST", "/api/keypair", `{"algorithm":"ECDH"}`))
	xpub, _ := base64.StdEncoding.DecodeString(x["public_key"].(string))
	if _, err := ecdh.X25519().NewPublicKey(xpub); err != nil || x["algorithm"] != "ECDH" {
		t.Errorf("ECDH key pair: %v %v", x, err)
	}
}

// The key file makes keys survive restarts and be shared by replicas; X25519 keys are
// standard (RFC 7748): the stored private key derives the returned public key with crypto/ecdh.
func TestKeyFilePersistsAndIsShared(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	env := map[string]string{"MFN_ENV": "prod", "MFN_API_KEY_REQUIRED": "false", "MFN_CRYPTO_KEY_FILE": file}
	a, _ := testApp(t, env)
	b, _ := testApp(t, env) // a second replica on the same file
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	enc := decode(t, call(a.Handler(), "POST", "/api/encrypt", `{"plaintext":"`+b64s("secret")+`"}`))
	dec := call(b.Handler(), "POST", "/api/decrypt", `{"ciphertext":"`+enc["ciphertext"].(string)+`","key_id":"`+enc["key_id"].(string)+`"}`)
	if dec.Code != 200 || decode(t, dec)["plaintext"] != b64s("secret") {
		t.Fatalf("replica b cannot decrypt replica a's ciphertext: %d %s", dec.Code, dec.Body.String())
	}
	kp := decode(t, call(a.Handler(), "POST", "/api/keypair", `{"key_id":"shared"}`))
	sig := call(b.Handler(), "POST", "/api/sign", `{"message":"aGk=","key_id":"shared"}`)
	if sig.Code != 200 {
		t.Fatalf("replica b does not know the key replica a created: %d %s", sig.Code, sig.Body.String())
	}
	if rec := call(b.Handler(), "POST", "/api/keypair", `{"key_id":"shared"}`); rec.Code != 409 {
		t.Errorf("replica b overwrote the key: %d", rec.Code)
	}
	x := decode(t, call(b.Handler(), "POST", "/api/keypair", `{"algorithm":"ECDH","key_id":"dh"}`))
	// A restart reads the same file.
	c, _ := testApp(t, env)
	sig2 := decode(t, call(c.Handler(), "POST", "/api/sign", `{"message":"aGk=","key_id":"shared"}`))
	if sig2["signature"] != decode(t, sig)["signature"] {
		t.Error("the restarted process signs with another key")
	}
	ks, _, err := readKeySetFile(file)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := base64.StdEncoding.DecodeString(ks.ECDH.Keys["dh"])
	pk, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil || base64.StdEncoding.EncodeToString(pk.PublicKey().Bytes()) != x["public_key"] {
		t.Errorf("stored X25519 key does not derive the returned public key (%v)", err)
	}
	_ = kp
}

func TestReadOnlyKeyFileRefusesKeyGeneration(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	if err := InitKeyFile(file); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	app, _ := testApp(t, map[string]string{"MFN_CRYPTO_KEY_FILE": file})
	if rec := call(app.Handler(), "POST", "/api/keypair", `{}`); rec.Code != 403 {
		t.Errorf("keypair on a read-only key file: %d %s", rec.Code, rec.Body.String())
	}
	if rec := call(app.Handler(), "POST", "/api/sign", `{"message":"aGk="}`); rec.Code != 200 {
		t.Errorf("sign with a read-only key file: %d", rec.Code)
	}
}

func TestCryptoDisabled(t *testing.T) {
	app, _ := testApp(t, map[string]string{"MFN_CRYPTO_ENABLED": "false"})
	for _, p := range []string{"/api/encrypt", "/api/decrypt", "/api/sign", "/api/verify", "/api/keypair"} {
		body := `{"plaintext":"aGk=","ciphertext":"aGk=","message":"aGk=","signature":"aGk="}`
		switch p {
		case "/api/encrypt":
			body = `{"plaintext":"aGk="}`
		case "/api/decrypt":
			body = `{"ciphertext":"aGk="}`
		case "/api/sign":
			body = `{"message":"aGk="}`
		case "/api/verify":
			body = `{"message":"aGk=","signature":"aGk="}`
		case "/api/keypair":
			body = `{}`
		}
		rec := call(app.Handler(), "POST", p, body)
		if rec.Code != 503 || decode(t, rec)["detail"] != "Cryptographic operations are disabled" {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Body.String())
		}
		// An invalid body is still a 422, as in the reference.
		if rec := call(app.Handler(), "POST", p, `{"nope":1}`); rec.Code != 422 {
			t.Errorf("%s invalid body: %d", p, rec.Code)
		}
	}
	if rec := call(app.Handler(), "GET", "/ready", ""); !strings.Contains(rec.Body.String(), `"crypto_keys":"disabled"`) {
		t.Errorf("ready: %s", rec.Body.String())
	}
}

// Without the privileges to test a read-only directory (root ignores permissions), the mapping
// from the write errors of a read-only mount to 403 is checked directly.
func TestReadOnlyErrorsMapTo403(t *testing.T) {
	for _, cause := range []error{fs.ErrPermission, syscall.EROFS} {
		err := keyError(readOnly(fmt.Errorf("creating the temporary file: %w", cause)), "Ed25519", "k")
		var e *Error
		if !errors.As(err, &e) || statusOf(e.Kind) != 403 || !strings.Contains(e.Error(), "read-only") {
			t.Errorf("%v: %v", cause, err)
		}
	}
	if err := readOnly(errors.New("disk full")); errors.Is(err, ErrReadOnlyKeys) {
		t.Error("any write error was taken for a read-only key file")
	}
}
