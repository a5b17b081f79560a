package server

import (
	"crypto/ecdh"
	"log/slog"
	"net/http"

	"mfn/security"
)

// deriveAlgorithm names /api/derive's construction in responses and audit events.
const deriveAlgorithm = "X25519-HKDF-SHA256"

// handleDerive is POST /api/derive: X25519 between a stored ECDH key (made by /api/keypair
// with algorithm ECDH) and the caller's public key, then HKDF-SHA256 with info
// "MFN-ECDH-v1" ‖ context (security.DeriveSharedKey). The caller, holding the matching
// private key, derives the same bytes from the stored key's public key. Not in the reference,
// which stores ECDH keys but never uses them (docs/adr/0027).
func handleDerive(c *cryptoService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := readForm(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var keyID, peer, context string
		length := 32
		f.stringField("key_id", &keyID, true, false, 1, maxKeyIDChars, nil)
		f.stringField("peer_public_key", &peer, true, false, 1, 64, nil)
		f.stringField("context", &context, false, true, 0, maxAADChars, nil)
		f.intField("length", &length, false, 1, security.MaxDerivedKey)
		if err := f.finish(); err != nil {
			writeError(w, r, err)
			return
		}
		if c == nil {
			writeError(w, r, errorf(KindUnavailable, "Cryptographic operations are disabled"))
			return
		}
		key, pub, err := c.derive(keyID, peer, context, length)
		c.auditEvent(r, "derive", keyID, err)
		if err != nil {
			writeError(w, r, err)
			return
		}
		newObject().str("key_id", keyID).str("derived_key", b64(key)).str("public_key", b64(pub)).
			str("algorithm", deriveAlgorithm).int("length", length).write(w, r)
	})
}

func (c *cryptoService) derive(keyID, peerB64, contextB64 string, length int) (key, pub []byte, err error) {
	peer, err := decodeB64(peerB64, "peer public key")
	if err != nil {
		return nil, nil, err
	}
	var context []byte
	if contextB64 != "" {
		if context, err = decodeB64(contextB64, "context"); err != nil {
			return nil, nil, err
		}
	}
	_, raw, err := c.ring.lookup(ecdhSection, keyID)
	if err != nil {
		return nil, nil, keyError(err, "ECDH", keyID)
	}
	priv, err := ecdh.X25519().NewPrivateKey(raw)
	if err != nil {
		return nil, nil, err // a malformed key file, a server fault
	}
	key, err = security.DeriveSharedKey(priv, peer, context, length)
	if err != nil {
		return nil, nil, errorf(KindBadRequest, "%v", err)
	}
	return key, priv.PublicKey().Bytes(), nil
}

// auditEvent logs a key use as a security.AuditEvent (its fixed JSON schema under the "audit"
// attribute) when MFN_CRYPTO_AUDIT_LOG is on. Neither keys nor data are logged.
func (c *cryptoService) auditEvent(r *http.Request, op, keyID string, opErr error) {
	if !c.audit {
		return
	}
	ev := security.AuditEvent{Action: security.ActionKeyUse, Success: opErr == nil, Operation: op, KeyID: keyID,
		Algorithm: deriveAlgorithm, SourceIP: r.RemoteAddr}
	if rec := recordOf(r.Context()); rec != nil {
		ev.RequestID = rec.id
	}
	level := slog.LevelInfo
	if opErr != nil {
		level = slog.LevelWarn
		ev.Reason = opErr.Error()
	}
	c.log.LogAttrs(r.Context(), level, "audit", slog.Any("audit", security.Stamp(ev)))
}
