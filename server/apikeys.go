package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"mfn/apikey"
	"mfn/limits"
)

// APIKeys is the set of valid API keys: those from MFN_API_KEY / MFN_API_KEYS plus those of
// MFN_API_KEYS_FILE, which Reload re-reads (on SIGHUP and when the file changes), so that a
// key can be rotated without a restart: add the new key, move the clients, remove the old one.
// Only SHA-256 digests of the keys are kept; keys are never logged.
type APIKeys struct {
	now      func() time.Time // time.Now; tests move it
	required bool
	static   []string
	file     string
	set      atomic.Pointer[keySet]
}

type keySet struct {
	digests [][sha256.Size]byte
	ids     []string       // short fingerprints, safe to log and to key rate-limit buckets
	idents  []string       // "key:" + ids[i]: the rate limiter's identity of each key
	entries []apikey.Entry // labels and expiry (zero: never); Key is cleared
}

// NewAPIKeys builds the key set. With a key file, the file must be readable; when keys are
// required, at least one key must be configured.
func NewAPIKeys(required bool, static []string, file string) (*APIKeys, error) {
	k := &APIKeys{now: time.Now, required: required, static: static, file: file}
	if _, err := k.Reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Required reports whether requests to protected routes need a key.
func (k *APIKeys) Required() bool { return k.required }

// Count is the number of distinct valid keys.
func (k *APIKeys) Count() int { return len(k.set.Load().ids) }

// Reload re-reads the key file. On any error the previous keys stay in force.
func (k *APIKeys) Reload() (int, error) {
	var keys []apikey.Entry
	for _, key := range k.static {
		keys = append(keys, apikey.Entry{Key: key})
	}
	if k.file != "" {
		fromFile, err := readKeyFile(k.file)
		if err != nil {
			return 0, err
		}
		keys = append(keys, fromFile...)
	}
	if k.required && len(keys) == 0 {
		return 0, errors.New("no API key configured: MFN_API_KEY_REQUIRED=true needs MFN_API_KEY, MFN_API_KEYS or a non-empty MFN_API_KEYS_FILE")
	}
	s := &keySet{}
	seen := map[[sha256.Size]byte]bool{}
	for _, e := range keys {
		d := sha256.Sum256([]byte(e.Key))
		if seen[d] {
			continue
		}
		seen[d] = true
		s.digests = append(s.digests, d)
		s.ids = append(s.ids, hex.EncodeToString(d[:6]))
		s.idents = append(s.idents, "key:"+s.ids[len(s.ids)-1])
		e.Key = ""
		s.entries = append(s.entries, e)
	}
	k.set.Store(s)
	return len(s.ids), nil
}

// readKeyFile reads the key file: one key per line, optionally with id=, created= and
// expires= attributes (package apikey; `mfn keys` writes it).
func readKeyFile(path string) ([]apikey.Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("MFN_API_KEYS_FILE: %w", err)
	}
	entries, err := apikey.Parse("MFN_API_KEYS_FILE "+path, b)
	if err != nil {
		return nil, err
	}
	return entries, nil
}

// Check compares the presented key with every valid key in constant time (per key, and
// without stopping at a match) and returns the matching key's fingerprint.
func (k *APIKeys) Check(presented string) (id string, ok bool) {
	s, match := k.check(presented)
	if match < 0 {
		return "", false
	}
	return s.ids[match], true
}

// check is Check returning the key set and the matching key's index (-1: none).
func (k *APIKeys) check(presented string) (*keySet, int) {
	if presented == "" {
		return nil, -1
	}
	d := digestOf(presented)
	s := k.set.Load()
	match := -1
	for i := range s.digests {
		if subtle.ConstantTimeCompare(d[:], s.digests[i][:]) == 1 {
			match = i
		}
	}
	if match < 0 || !s.entries[match].Valid(k.now()) {
		return s, -1
	}
	return s, match
}

// digestOf is the SHA-256 of a presented key, hashed from a stack copy when the key is of a
// usual length (converting the string to a slice would allocate once per request).
func digestOf(key string) [sha256.Size]byte {
	var buf [128]byte
	if len(key) <= len(buf) {
		return sha256.Sum256(append(buf[:0], key...))
	}
	return sha256.Sum256([]byte(key))
}

// authBody is the reference's 401 body, byte for byte.
const authDetail = "Invalid or missing API key"

// withAuth rejects requests to protected routes (every path that is not a public route,
// unknown paths included) without a valid X-API-Key. Failed attempts are limited per client
// address (limits.FailedAuth): an address out of attempts gets 429 with Retry-After before
// its key is even looked at.
func withAuth(keys *APIKeys, fails *limits.FailedAuth, trusted []netip.Prefix, audit auditor) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := recordOf(r.Context())
			protected := false
			if keys.required {
				rt := lookupRoute(r.URL.Path)
				protected = rt == nil || !rt.public
			}
			addr := ""
			if protected {
				addr = clientIP(r, trusted)
			}
			if protected && fails != nil {
				if retry, blocked := fails.Blocked(addr); blocked {
					audit.authFailure(r, addr, "too many failed authentications from this address")
					writeError(w, r, tooManyFailures(retry))
					return
				}
			}
			presented := header(r.Header, "X-Api-Key")
			set, match := keys.check(presented)
			ok := match >= 0
			if ok {
				rec.keyID, rec.keyIdentity = set.ids[match], set.idents[match]
			}
			if !ok && protected {
				if fails != nil {
					fails.Failed(addr)
				}
				reason := "invalid or expired API key"
				if presented == "" {
					reason = "no API key"
				}
				audit.authFailure(r, addr, reason)
				writeError(w, r, &Error{Kind: KindUnauthorized, Detail: authDetail, ErrorCode: "authentication_required",
					Header: http.Header{"Www-Authenticate": {`API-Key header="X-API-Key"`}}})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// tooManyFailures is the 429 of an address out of failed authentications.
func tooManyFailures(retry time.Duration) *Error {
	s := max(1, ceilSeconds(retry))
	return &Error{Kind: KindRateLimited, ErrorCode: "too_many_failed_authentications", RetryAfter: s,
		Detail: fmt.Sprintf("Too many failed authentications from this address; retry in %d s (MFN_AUTH_FAILURE_BURST, MFN_AUTH_FAILURE_INTERVAL)", s)}
}
