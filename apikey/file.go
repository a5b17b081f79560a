// Package apikey reads and writes the API key file that `mfn serve` reloads
// (MFN_API_KEYS_FILE), so that rotation is a command (`mfn keys`), not a procedure.
//
// The file has one key per line; blank lines and lines starting with # are skipped. A key may
// be followed by attributes, separated by blanks:
//
//	3q2-7wWJ…Zk  id=ci-2026-12  created=2026-12-07T10:00:00Z  expires=2027-03-07T10:00:00Z
//
// id is a label for people (never a secret); created and expires are RFC 3339 times. A key
// past its expiry is refused. Files of bare keys (the older format) read as keys without
// attributes.
package apikey

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Entry is one line of the key file.
type Entry struct {
	Key     string
	ID      string    // a human label; may be empty
	Created time.Time // zero when unknown
	Expires time.Time // zero: never
}

// Fingerprint is the first 6 bytes of the key's SHA-256 in hex: safe to log and to show.
func (e Entry) Fingerprint() string { return Fingerprint(e.Key) }

// Fingerprint of a key: the first 6 bytes of its SHA-256, in hex.
func Fingerprint(key string) string {
	d := sha256.Sum256([]byte(key))
	return hex.EncodeToString(d[:6])
}

// Valid reports whether the key is accepted at time now.
func (e Entry) Valid(now time.Time) bool { return e.Expires.IsZero() || now.Before(e.Expires) }

// MaxLineBytes bounds one line of the file (a key and its attributes).
const MaxLineBytes = 4096

// Parse reads a key file's contents. name is used in error messages (the file's path).
func Parse(name string, b []byte) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 256), MaxLineBytes)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.Fields(s)
		e := Entry{Key: fields[0]}
		if strings.Contains(e.Key, "=") && len(fields) > 1 {
			return nil, fmt.Errorf("%s line %d: the key must come first, before its attributes", name, line)
		}
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				return nil, fmt.Errorf("%s line %d: %q is not an attribute (id=, created=, expires=); a key must not contain blanks", name, line, f)
			}
			switch k {
			case "id":
				e.ID = v
			case "created", "expires":
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return nil, fmt.Errorf("%s line %d: %s=%q is not an RFC 3339 time (e.g. 2027-03-07T10:00:00Z)", name, line, k, v)
				}
				if k == "created" {
					e.Created = t
				} else {
					e.Expires = t
				}
			default:
				return nil, fmt.Errorf("%s line %d: unknown attribute %q (allowed: id, created, expires)", name, line, k)
			}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w (lines are at most %d bytes)", name, err, MaxLineBytes)
	}
	return out, nil
}

// Format writes entries in the file's format, with a header comment.
func Format(entries []Entry) []byte {
	var b bytes.Buffer
	b.WriteString("# mfn API keys: KEY [id=LABEL] [created=RFC3339] [expires=RFC3339]; managed by `mfn keys`\n")
	for _, e := range entries {
		b.WriteString(e.Line())
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Line is the entry as one line of the file.
func (e Entry) Line() string {
	parts := []string{e.Key}
	if e.ID != "" {
		parts = append(parts, "id="+e.ID)
	}
	if !e.Created.IsZero() {
		parts = append(parts, "created="+e.Created.UTC().Format(time.RFC3339Nano))
	}
	if !e.Expires.IsZero() {
		parts = append(parts, "expires="+e.Expires.UTC().Format(time.RFC3339Nano))
	}
	return strings.Join(parts, " ")
}

// Generate returns a new random key: 32 bytes from crypto/rand, base64url without padding.
func Generate() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidateID checks a label: printable ASCII without blanks or '=', at most 64 bytes.
func ValidateID(id string) error {
	if len(id) > 64 {
		return fmt.Errorf("id=%q is %d bytes (at most 64)", id, len(id))
	}
	for _, r := range id {
		if r <= ' ' || r > '~' || r == '=' {
			return fmt.Errorf("id=%q: only printable ASCII without blanks or '=' is allowed", id)
		}
	}
	return nil
}
