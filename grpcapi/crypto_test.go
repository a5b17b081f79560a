package grpcapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// TestCryptoMatchesREST: signatures (deterministic in Ed25519) are equal; what one transport
// encrypts the other decrypts; a key made over gRPC signs over REST and verifies over gRPC.
func TestCryptoMatchesREST(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	msg := []byte("mycelium \x00\xff fractal")
	b64 := base64.StdEncoding.EncodeToString

	sig, err := h.client.Sign(ctx, &mfnv1.SignRequest{Message: msg})
	if err != nil {
		t.Fatal(err)
	}
	code, want := h.rest(t, "/api/sign", map[string]any{"message": b64(msg)}, "")
	if code != http.StatusOK || b64(sig.Signature) != want["signature"] || sig.KeyId != want["key_id"] || sig.Algorithm != want["algorithm"] {
		t.Errorf("Sign: gRPC %v, REST %d %v", sig, code, want)
	}
	v, err := h.client.Verify(ctx, &mfnv1.VerifyRequest{Message: msg, Signature: sig.Signature})
	if err != nil || !v.Valid || v.KeyId == nil || *v.KeyId != sig.KeyId {
		t.Errorf("Verify: %v %v", v, err)
	}
	v, err = h.client.Verify(ctx, &mfnv1.VerifyRequest{Message: append(msg, '!'), Signature: sig.Signature})
	if err != nil || v.Valid {
		t.Errorf("Verify of another message: %v %v", v, err)
	}

	enc, err := h.client.Encrypt(ctx, &mfnv1.EncryptRequest{Plaintext: msg, AssociatedData: []byte("aad")})
	if err != nil {
		t.Fatal(err)
	}
	code, dec := h.rest(t, "/api/decrypt", map[string]any{"ciphertext": b64(enc.Ciphertext), "associated_data": b64([]byte("aad"))}, "")
	if code != http.StatusOK || dec["plaintext"] != b64(msg) {
		t.Errorf("REST decrypt of a gRPC ciphertext: %d %v", code, dec)
	}
	code, renc := h.rest(t, "/api/encrypt", map[string]any{"plaintext": b64(msg)}, "")
	if code != http.StatusOK {
		t.Fatal(renc)
	}
	ct, _ := base64.StdEncoding.DecodeString(renc["ciphertext"].(string))
	pt, err := h.client.Decrypt(ctx, &mfnv1.DecryptRequest{Ciphertext: ct})
	if err != nil || !bytes.Equal(pt.Plaintext, msg) {
		t.Errorf("gRPC decrypt of a REST ciphertext: %v %v", pt, err)
	}

	kp, err := h.client.Keypair(ctx, &mfnv1.KeypairRequest{KeyId: "grpc-test"})
	if err != nil || kp.KeyId != "grpc-test" || len(kp.PublicKey) != 32 {
		t.Fatalf("Keypair: %v %v", kp, err)
	}
	code, rsig := h.rest(t, "/api/sign", map[string]any{"message": b64(msg), "key_id": "grpc-test"}, "")
	if code != http.StatusOK {
		t.Fatal(rsig)
	}
	rs, _ := base64.StdEncoding.DecodeString(rsig["signature"].(string))
	v, err = h.client.Verify(ctx, &mfnv1.VerifyRequest{Message: msg, Signature: rs, PublicKey: kp.PublicKey})
	if err != nil || !v.Valid || v.KeyId != nil {
		t.Errorf("Verify with the gRPC key's public key: %v %v", v, err)
	}
	if _, err := h.client.Keypair(ctx, &mfnv1.KeypairRequest{KeyId: "grpc-test"}); codeOf(err) != "AlreadyExists" {
		t.Errorf("a second Keypair with the same id: %v, want AlreadyExists", err)
	}
}
