// Package security holds the reference's security utilities in standard form: X25519 key
// agreement with HKDF-SHA256 key derivation, authenticated encryption under a password-derived
// key, and an audit log of security-relevant events with a fixed JSON schema
// (docs/adr/0027-aggregators-and-security.md).
package security

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// DeriveInfo prefixes the HKDF info string, as the reference's key exchange does
// (info = "MFN-ECDH-v1" ‖ context).
const DeriveInfo = "MFN-ECDH-v1"

// MaxDerivedKey is the longest key HKDF-SHA256 can produce (RFC 5869 §2.3: 255·HashLen).
const MaxDerivedKey = 255 * sha256.Size

// HKDF is RFC 5869 HKDF-SHA256 (extract then expand) of length bytes.
func HKDF(secret, salt, info []byte, length int) ([]byte, error) {
	if length < 1 || length > MaxDerivedKey {
		return nil, fmt.Errorf("length=%d must be in [1, %d] (255 SHA-256 blocks, RFC 5869)", length, MaxDerivedKey)
	}
	return hkdf.Key(sha256.New, secret, salt, string(info), length)
}

// DeriveSharedKey is X25519 (RFC 7748) between priv and the peer's 32-byte public key,
// followed by HKDF-SHA256 with no salt (RFC 5869: a HashLen string of zeros, as the
// reference's 32 zero bytes) and info = DeriveInfo ‖ context. Both parties get the same key
// from their own private key and the other's public key.
func DeriveSharedKey(priv *ecdh.PrivateKey, peerPublic, context []byte, length int) ([]byte, error) {
	if priv == nil || priv.Curve() != ecdh.X25519() {
		return nil, fmt.Errorf("private key must be an X25519 key")
	}
	if len(peerPublic) != 32 {
		return nil, fmt.Errorf("peer_public_key has %d bytes: an X25519 public key has 32", len(peerPublic))
	}
	pub, err := ecdh.X25519().NewPublicKey(peerPublic)
	if err != nil {
		return nil, fmt.Errorf("peer_public_key: %w", err)
	}
	secret, err := priv.ECDH(pub) // rejects low-order points (an all-zero shared secret)
	if err != nil {
		return nil, fmt.Errorf("peer_public_key is a low-order point: no shared secret: %w", err)
	}
	info := make([]byte, 0, len(DeriveInfo)+len(context))
	info = append(append(info, DeriveInfo...), context...)
	return HKDF(secret, nil, info, length)
}
