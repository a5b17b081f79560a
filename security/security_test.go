package security

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seq(from, to byte) []byte {
	var b []byte
	for c := int(from); c <= int(to); c++ {
		b = append(b, byte(c))
	}
	return b
}

// TestHKDFRFC5869 runs the SHA-256 test cases of RFC 5869 Appendix A (A.1–A.3).
func TestHKDFRFC5869(t *testing.T) {
	cases := []struct {
		name            string
		ikm, salt, info []byte
		length          int
		okm             string
	}{
		{"A.1", bytes.Repeat([]byte{0x0b}, 22), seq(0x00, 0x0c), seq(0xf0, 0xf9), 42,
			"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
		{"A.2", seq(0x00, 0x4f), seq(0x60, 0xaf), seq(0xb0, 0xff), 82,
			"b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09" +
				"da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
		{"A.3", bytes.Repeat([]byte{0x0b}, 22), nil, nil, 42,
			"8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
	}
	for _, c := range cases {
		got, err := HKDF(c.ikm, c.salt, c.info, c.length)
		if err != nil || hex.EncodeToString(got) != c.okm {
			t.Errorf("%s: %x (%v), want %s", c.name, got, err, c.okm)
		}
	}
	// No salt is a HashLen string of zeros (RFC 5869 §2.2), the reference's 32 zero bytes.
	a, _ := HKDF([]byte("secret"), nil, []byte("i"), 32)
	b, _ := HKDF([]byte("secret"), make([]byte, 32), []byte("i"), 32)
	if !bytes.Equal(a, b) {
		t.Error("nil salt differs from 32 zero bytes")
	}
	for _, n := range []int{0, -1, MaxDerivedKey + 1} {
		if _, err := HKDF([]byte("s"), nil, nil, n); err == nil || !strings.Contains(err.Error(), "length=") {
			t.Errorf("length %d: %v", n, err)
		}
	}
}

// TestDeriveSharedKey: RFC 7748 §6.1's X25519 pair gives its shared secret, and both sides
// derive HKDF(shared, info = "MFN-ECDH-v1" ‖ context).
func TestDeriveSharedKey(t *testing.T) {
	alice, err := ecdh.X25519().NewPrivateKey(unhex(t, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
	if err != nil {
		t.Fatal(err)
	}
	bob, err := ecdh.X25519().NewPrivateKey(unhex(t, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(alice.PublicKey().Bytes()) != "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" ||
		hex.EncodeToString(bob.PublicKey().Bytes()) != "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f" {
		t.Fatal("RFC 7748 public keys differ")
	}
	shared := unhex(t, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
	want, _ := HKDF(shared, nil, []byte("MFN-ECDH-v1session-7"), 32)
	ka, err := DeriveSharedKey(alice, bob.PublicKey().Bytes(), []byte("session-7"), 32)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := DeriveSharedKey(bob, alice.PublicKey().Bytes(), []byte("session-7"), 32)
	if err != nil || !bytes.Equal(ka, want) || !bytes.Equal(kb, want) {
		t.Fatalf("alice %x, bob %x (%v), want %x", ka, kb, err, want)
	}
	other, _ := DeriveSharedKey(alice, bob.PublicKey().Bytes(), []byte("session-8"), 32)
	if bytes.Equal(other, ka) {
		t.Error("the context does not change the key")
	}
	if _, err := DeriveSharedKey(alice, make([]byte, 31), nil, 32); err == nil || !strings.Contains(err.Error(), "peer_public_key has 31 bytes") {
		t.Errorf("short key: %v", err)
	}
	if _, err := DeriveSharedKey(alice, make([]byte, 32), nil, 32); err == nil || !strings.Contains(err.Error(), "low-order") {
		t.Errorf("zero point: %v", err)
	}
}

func TestSealOpen(t *testing.T) {
	pt := []byte("model weights, 1 MiB of them")
	blob, err := Seal("correct horse", pt, []byte("run-1"), MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	if len(blob) != len(pt)+sealOverhead || blob[0] != 1 || blob[1] != 1 {
		t.Fatalf("blob of %d bytes, header %x", len(blob), blob[:6])
	}
	got, err := Open("correct horse", blob, []byte("run-1"))
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := Open("wrong", blob, []byte("run-1")); !errors.Is(err, ErrOpen) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := Open("correct horse", blob, []byte("run-2")); !errors.Is(err, ErrOpen) {
		t.Errorf("wrong aad: %v", err)
	}
	for _, i := range []int{7, headerLen + 3, len(blob) - 1} { // salt, nonce, tag
		bad := bytes.Clone(blob)
		bad[i] ^= 1
		if _, err := Open("correct horse", bad, []byte("run-1")); !errors.Is(err, ErrOpen) {
			t.Errorf("flipped byte %d: %v", i, err)
		}
	}
	// The cost is authenticated: raising it (still in range) fails the tag.
	bad := bytes.Clone(blob)
	bad[3]++
	if _, err := Open("correct horse", bad, []byte("run-1")); !errors.Is(err, ErrOpen) {
		t.Errorf("changed iterations: %v", err)
	}
	for _, c := range []struct {
		blob []byte
		want string
	}{
		{blob[:10], "at least 50 are needed"},
		{append([]byte{2}, blob[1:]...), "version 2"},
		{append([]byte{1, 1, 0xff, 0xff, 0xff, 0xff}, blob[6:]...), "iterations=4294967295 must be in"},
	} {
		if _, err := Open("x", c.blob, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	if _, err := Seal("pw", pt, nil, 1000); err == nil || !strings.Contains(err.Error(), "iterations=1000 must be in [100000, 10000000]") {
		t.Errorf("low cost: %v", err)
	}
	if _, err := Seal("", pt, nil, 0); err == nil {
		t.Error("empty password accepted")
	}
}

// FuzzOpen: arbitrary blobs never panic, and the only thing that opens under "pw" is a
// sealed "x" (the fuzzing workers each seal their own seed, so the bytes differ per process).
func FuzzOpen(f *testing.F) {
	blob, _ := Seal("pw", []byte("x"), nil, MinIterations)
	f.Add(blob)
	f.Add([]byte{})
	f.Add(make([]byte, 50))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 6 {
			b[2], b[3], b[4], b[5] = 0, 1, 0x86, 0xa0 // keep the cost at 100 000 rounds
		}
		if pt, err := Open("pw", b, nil); err == nil && (string(pt) != "x" || len(b) != sealOverhead+1) {
			t.Fatalf("a forged blob opened to %q: %x", pt, b)
		}
	})
}

// TestAuditSchema pins the JSON form of events: the keys, their order and the redaction.
func TestAuditSchema(t *testing.T) {
	var buf bytes.Buffer
	l := NewAuditLog(&buf)
	l.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600)) }
	events := []AuditEvent{
		{Action: ActionKeyUse, Success: true, Operation: "derive", KeyID: "key_ab", Algorithm: "X25519-HKDF-SHA256",
			RequestID: "req-1", SourceIP: "10.1.2.3:5555"},
		{Action: ActionAuthFailure, Reason: "invalid_api_key", SourceIP: "2001:db8::1"},
		{Action: ActionKeyRotation, Success: true, Details: map[string]string{"added": "2", "removed": "1"}},
	}
	for _, e := range events {
		if err := l.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	want := `{"audit_event":true,"schema":1,"time":"2026-01-02T02:04:05.000000006Z","action":"key_use","category":"data_access","severity":"INFO","success":true,"operation":"derive","key_id":"key_ab","algorithm":"X25519-HKDF-SHA256","request_id":"req-1","source_ip":"10.xxx.xxx.xxx"}
{"audit_event":true,"schema":1,"time":"2026-01-02T02:04:05.000000006Z","action":"auth_failure","category":"authentication","severity":"WARNING","success":false,"source_ip":"2001:db8...","reason":"invalid_api_key"}
{"audit_event":true,"schema":1,"time":"2026-01-02T02:04:05.000000006Z","action":"key_rotation","category":"configuration","severity":"INFO","success":true,"details":{"added":"2","removed":"1"}}
`
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
	// Every line is one JSON object.
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["audit_event"] != true {
			t.Fatalf("%q: %v", line, err)
		}
	}
	var nilLog *AuditLog
	if err := nilLog.Record(events[0]); err != nil {
		t.Fatal(err)
	}
}

// TestAuditLogValue: through a slog JSON handler the event is the same object as its JSON form.
func TestAuditLogValue(t *testing.T) {
	e := Stamp(AuditEvent{Time: time.Unix(1, 5).UTC(), Action: ActionKeyRotation, Success: true, SourceIP: "192.168.0.9",
		Details: map[string]string{"b": "2", "a": "1"}})
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("audit", "audit", e)
	var line struct{ Audit json.RawMessage }
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	direct, _ := json.Marshal(e)
	if string(line.Audit) != string(direct) {
		t.Fatalf("slog: %s\njson: %s", line.Audit, direct)
	}
}

// BenchmarkSealCost: the time PBKDF2 at DefaultIterations adds to sealing (and to opening).
func BenchmarkSealCost(b *testing.B) {
	for b.Loop() {
		if _, err := Seal("pw", []byte("x"), nil, DefaultIterations); err != nil {
			b.Fatal(err)
		}
	}
}
