package security

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Password-based authenticated encryption. A sealed blob is self-describing, so the cost can
// rise without breaking old blobs:
//
//	version (1 byte, 1) ‖ kdf (1 byte, 1 = PBKDF2-HMAC-SHA256) ‖ iterations (4 bytes, big-endian)
//	‖ salt (16 bytes) ‖ nonce (12 bytes) ‖ AES-256-GCM ciphertext ‖ tag (16 bytes)
//
// The 22-byte header is the GCM associated data (with the caller's), so a changed cost,
// salt or version fails authentication.

// Cost parameters.
const (
	// DefaultIterations is OWASP's 2023 figure for PBKDF2-HMAC-SHA256 (the reference uses
	// 100 000).
	DefaultIterations = 600_000
	// MinIterations is the least Open or Seal accept (the reference's floor for its levels is
	// 10 000; this is its base level).
	MinIterations = 100_000
	// MaxIterations bounds the work a blob can demand of Open.
	MaxIterations = 10_000_000
	saltLen       = 16
	headerLen     = 2 + 4 + saltLen
	sealOverhead  = headerLen + 12 + 16
	sealVersion   = 1
	kdfPBKDF2     = 1
)

// ErrOpen is returned for a blob that does not authenticate: a wrong password, wrong
// associated data, or changed bytes (deliberately not telling which).
var ErrOpen = errors.New("decryption failed: wrong password or associated data, or the data was changed")

// Seal encrypts plaintext under a key derived from password by PBKDF2-HMAC-SHA256 with
// iterations rounds (0: DefaultIterations) and a fresh random salt; aad is authenticated, not
// encrypted.
func Seal(password string, plaintext, aad []byte, iterations int) ([]byte, error) {
	if iterations == 0 {
		iterations = DefaultIterations
	}
	if err := checkIterations(iterations); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, errors.New("password is empty")
	}
	hdr := make([]byte, headerLen, sealOverhead+len(plaintext))
	hdr[0], hdr[1] = sealVersion, kdfPBKDF2
	binary.BigEndian.PutUint32(hdr[2:6], uint32(iterations))
	rand.Read(hdr[6:headerLen])
	aead, err := passwordAEAD(password, hdr[6:headerLen], iterations)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out := append(hdr, nonce...)
	return aead.Seal(out, nonce, plaintext, joinAAD(hdr, aad)), nil
}

// Open decrypts a Seal blob.
func Open(password string, blob, aad []byte) ([]byte, error) {
	if len(blob) < sealOverhead {
		return nil, fmt.Errorf("sealed data has %d bytes: at least %d are needed", len(blob), sealOverhead)
	}
	if blob[0] != sealVersion || blob[1] != kdfPBKDF2 {
		return nil, fmt.Errorf("sealed data has version %d, kdf %d: only version 1 with kdf 1 (PBKDF2-HMAC-SHA256) is known", blob[0], blob[1])
	}
	iterations := int(binary.BigEndian.Uint32(blob[2:6]))
	if err := checkIterations(iterations); err != nil {
		return nil, fmt.Errorf("sealed data: %w", err)
	}
	hdr := blob[:headerLen]
	aead, err := passwordAEAD(password, hdr[6:], iterations)
	if err != nil {
		return nil, err
	}
	nonce := blob[headerLen : headerLen+12]
	pt, err := aead.Open(nil, nonce, blob[headerLen+12:], joinAAD(hdr, aad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

func checkIterations(n int) error {
	if n < MinIterations || n > MaxIterations {
		return fmt.Errorf("iterations=%d must be in [%d, %d]", n, MinIterations, MaxIterations)
	}
	return nil
}

func passwordAEAD(password string, salt []byte, iterations int) (cipher.AEAD, error) {
	key, err := pbkdf2.Key(sha256.New, password, salt, iterations, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// joinAAD binds the header to the caller's associated data: header ‖ aad (the header has a
// fixed length, so the split is unambiguous).
func joinAAD(hdr, aad []byte) []byte {
	return append(append(make([]byte, 0, len(hdr)+len(aad)), hdr...), aad...)
}
