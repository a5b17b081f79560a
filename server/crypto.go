package server

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
)

// cryptoService serves /api/*: AES-256-GCM, Ed25519 and X25519 from Go's standard library,
// with the keys of a Keyring.
type cryptoService struct {
	ring      *Keyring
	algorithm string // MFN_CRYPTO_ALGORITHM
	sigAlg    string // MFN_CRYPTO_SIGNATURE_ALG
	audit     bool
	log       *slog.Logger
}

// Limits of the reference's crypto schemas (characters of base64 text).
const (
	maxPayloadChars = 1_048_576
	maxKeyIDChars   = 64
	maxAADChars     = 4096
	maxSigChars     = 256
	gcmOverhead     = 12 + 16 // nonce and tag around the ciphertext
)

var keypairAlgorithm = regexp.MustCompile(`^(ECDH|Ed25519)$`)

// cryptoRequest holds every field any /api/* endpoint takes.
type cryptoRequest struct {
	plaintext, ciphertext, message, signature string
	keyID, aad, publicKey                     string
	algorithm                                 string
}

// decodeB64 decodes standard base64 with padding (docs/adr/0013: stricter than Python's
// b64decode, which skips stray characters).
func decodeB64(s, what string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errorf(KindBadRequest, "Invalid base64-encoded %s", what)
	}
	return b, nil
}

// keyError maps keyring errors to the client's answer.
func keyError(err error, kind, id string) error {
	switch {
	case errors.Is(err, ErrUnknownKey):
		return errorf(KindBadRequest, "Unknown key_id %q: no %s key has this id", id, kind)
	case errors.Is(err, ErrKeyExists):
		return errorf(KindConflict, "key_id %q already exists: keys are never overwritten; choose another id or omit key_id", id)
	case errors.Is(err, errTooManyKeys):
		return &Error{Kind: KindForbidden, Err: err,
			Detail: "This API key has created the most key pairs allowed (MFN_CRYPTO_MAX_KEYS_PER_API_KEY); provision further keys in the key file (MFN_CRYPTO_KEY_FILE)"}
	case errors.Is(err, ErrReadOnlyKeys):
		return &Error{Kind: KindForbidden, Err: err,
			Detail: "Key generation is disabled: the key file (MFN_CRYPTO_KEY_FILE) is read-only; provision keys in the key file instead"}
	}
	return err
}

// auditLog records a crypto operation (never keys or data) when MFN_CRYPTO_AUDIT_LOG is on.
func (c *cryptoService) auditLog(r *http.Request, op, keyID, alg string, err error) {
	if !c.audit {
		return
	}
	if err != nil {
		c.log.WarnContext(r.Context(), "crypto operation failed", "operation", op, "key_id", keyID, "algorithm", alg,
			"success", false, "error", err.Error())
		return
	}
	c.log.InfoContext(r.Context(), "crypto operation", "operation", op, "key_id", keyID, "algorithm", alg, "success", true)
}

// cryptoHandler decodes the request (422 before anything else, as the reference), answers 503
// when crypto is disabled, then runs op.
func cryptoHandler(c *cryptoService, read func(*form, *cryptoRequest),
	op func(c *cryptoService, w http.ResponseWriter, r *http.Request, req *cryptoRequest) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := readForm(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var req cryptoRequest
		read(f, &req)
		if err := f.finish(); err != nil {
			writeError(w, r, err)
			return
		}
		if c == nil {
			writeError(w, r, errorf(KindUnavailable, "Cryptographic operations are disabled"))
			return
		}
		if err := op(c, w, r, &req); err != nil {
			writeError(w, r, err)
		}
	})
}

// readKeyID reads key_id, refusing ids that could not be told apart or printed: control
// characters, and lone UTF-16 surrogates (Go's decoder maps \ud800 and \udfff alike to
// U+FFFD, so they would name the same key; the raw JSON is checked).
func readKeyID(f *form, req *cryptoRequest) {
	f.stringField("key_id", &req.keyID, false, true, 0, maxKeyIDChars, nil)
	raw := f.members["key_id"]
	if req.keyID == "" || len(raw) == 0 {
		return
	}
	if loneSurrogate(raw) || checkKeyID(req.keyID) != nil {
		f.add("string_pattern_mismatch", "key_id must not contain control characters, U+FFFD or lone UTF-16 surrogates",
			raw, nil, "key_id")
	}
}

func readAAD(f *form, req *cryptoRequest) {
	f.stringField("associated_data", &req.aad, false, true, 0, maxAADChars, nil)
}

func handleEncrypt(c *cryptoService) http.Handler {
	return cryptoHandler(c, func(f *form, req *cryptoRequest) {
		f.stringField("plaintext", &req.plaintext, true, false, 1, maxPayloadChars, nil)
		readKeyID(f, req)
		readAAD(f, req)
	}, (*cryptoService).encrypt)
}

// aeadFor returns the AES-GCM cipher of the request's key (the default without key_id), the id
// used, and the decoded associated data.
func (c *cryptoService) aeadFor(req *cryptoRequest) (cipher.AEAD, string, []byte, error) {
	id, key, err := c.ring.EncryptionKey(req.keyID)
	if err != nil {
		return nil, "", nil, keyError(err, "encryption", req.keyID)
	}
	var aad []byte
	if req.aad != "" {
		if aad, err = decodeB64(req.aad, "associated data"); err != nil {
			return nil, "", nil, err
		}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, "", nil, err
	}
	aead, err := cipher.NewGCM(block)
	return aead, id, aad, err
}

func (c *cryptoService) encrypt(w http.ResponseWriter, r *http.Request, req *cryptoRequest) error {
	pt, err := decodeB64(req.plaintext, "plaintext")
	if err != nil {
		return err
	}
	aead, id, aad, err := c.aeadFor(req)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(pt)+aead.Overhead())
	_, _ = rand.Read(nonce)
	blob := aead.Seal(nonce, nonce, pt, aad)
	c.auditLog(r, "encrypt", id, c.algorithm, nil)
	newObject().str("ciphertext", b64(blob)).str("key_id", id).str("algorithm", c.algorithm).write(w, r)
	return nil
}

func handleDecrypt(c *cryptoService) http.Handler {
	return cryptoHandler(c, func(f *form, req *cryptoRequest) {
		f.stringField("ciphertext", &req.ciphertext, true, false, 1, maxPayloadChars, nil)
		readKeyID(f, req)
		readAAD(f, req)
	}, (*cryptoService).decrypt)
}

func (c *cryptoService) decrypt(w http.ResponseWriter, r *http.Request, req *cryptoRequest) error {
	blob, err := decodeB64(req.ciphertext, "ciphertext")
	if err != nil {
		return err
	}
	aead, id, aad, err := c.aeadFor(req)
	if err != nil {
		return err
	}
	if len(blob) < gcmOverhead {
		err := errorf(KindBadRequest, "Decryption failed: Ciphertext too short: %d bytes. Minimum is %d bytes.", len(blob), gcmOverhead)
		c.auditLog(r, "decrypt", id, c.algorithm, err)
		return err
	}
	pt, err := aead.Open(nil, blob[:aead.NonceSize()], blob[aead.NonceSize():], aad)
	if err != nil {
		err := errorf(KindBadRequest, "Decryption failed: Decryption failed (possible tampering or wrong key)")
		c.auditLog(r, "decrypt", id, c.algorithm, err)
		return err
	}
	c.auditLog(r, "decrypt", id, c.algorithm, nil)
	newObject().str("plaintext", b64(pt)).str("key_id", id).write(w, r)
	return nil
}

func handleSign(c *cryptoService) http.Handler {
	return cryptoHandler(c, func(f *form, req *cryptoRequest) {
		f.stringField("message", &req.message, true, false, 1, maxPayloadChars, nil)
		readKeyID(f, req)
	}, (*cryptoService).sign)
}

func (c *cryptoService) sign(w http.ResponseWriter, r *http.Request, req *cryptoRequest) error {
	msg, err := decodeB64(req.message, "message")
	if err != nil {
		return err
	}
	id, key, err := c.ring.SigningKey(req.keyID)
	if err != nil {
		return keyError(err, "signing", req.keyID)
	}
	sig := ed25519.Sign(key, msg)
	c.auditLog(r, "sign", id, c.sigAlg, nil)
	newObject().str("signature", b64(sig)).str("key_id", id).str("algorithm", c.sigAlg).write(w, r)
	return nil
}

func handleVerify(c *cryptoService) http.Handler {
	return cryptoHandler(c, func(f *form, req *cryptoRequest) {
		f.stringField("message", &req.message, true, false, 1, maxPayloadChars, nil)
		f.stringField("signature", &req.signature, true, false, 1, maxSigChars, nil)
		f.stringField("public_key", &req.publicKey, false, true, 0, maxSigChars, nil)
		readKeyID(f, req)
	}, (*cryptoService).verify)
}

// verify checks an Ed25519 signature against the given public key, else the key of key_id,
// else the default signing key. A signature or key of the wrong length is simply not valid.
func (c *cryptoService) verify(w http.ResponseWriter, r *http.Request, req *cryptoRequest) error {
	var pub []byte
	var keyID *string
	switch {
	case req.publicKey != "":
		p, err := decodeB64(req.publicKey, "public key")
		if err != nil {
			return err
		}
		pub = p
		if req.keyID != "" {
			keyID = &req.keyID
		}
	default:
		id, key, err := c.ring.SigningKey(req.keyID)
		if err != nil {
			return keyError(err, "signing", req.keyID)
		}
		pub, keyID = key.Public().(ed25519.PublicKey), &id
	}
	msg, err := decodeB64(req.message, "message")
	if err != nil {
		return err
	}
	sig, err := decodeB64(req.signature, "signature")
	if err != nil {
		return err
	}
	valid := len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, msg, sig)
	auditID := "external"
	if keyID != nil {
		auditID = *keyID
	}
	c.auditLog(r, "verify", auditID, c.sigAlg, nil)
	newObject().boolean("valid", valid).nullableStr("key_id", keyID).str("algorithm", c.sigAlg).write(w, r)
	return nil
}

func handleKeypair(c *cryptoService) http.Handler {
	return cryptoHandler(c, func(f *form, req *cryptoRequest) {
		req.algorithm = "Ed25519"
		f.stringField("algorithm", &req.algorithm, false, false, 0, 1<<10, keypairAlgorithm)
		readKeyID(f, req)
	}, (*cryptoService).keypair)
}

func (c *cryptoService) keypair(w http.ResponseWriter, r *http.Request, req *cryptoRequest) error {
	owner := ""
	if rec := recordOf(r.Context()); rec != nil {
		owner = rec.keyID
	}
	var id string
	var pub []byte
	var err error
	switch req.algorithm {
	case "Ed25519":
		id, pub, err = c.ring.AddSigningKey(owner, req.keyID)
	case "ECDH":
		id, pub, err = c.ring.AddECDHKey(owner, req.keyID)
	default:
		return fmt.Errorf("keypair: algorithm %q passed validation", req.algorithm)
	}
	if err != nil {
		err = keyError(err, req.algorithm, req.keyID)
		c.auditLog(r, "keypair", req.keyID, req.algorithm, err)
		return err
	}
	c.auditLog(r, "keypair", id, req.algorithm, nil)
	newObject().str("key_id", id).str("public_key", b64(pub)).str("algorithm", req.algorithm).write(w, r)
	return nil
}
