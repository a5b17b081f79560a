package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The key file is the version-1 JSON document (written whole only when the file is created)
// followed by an append-only log of the key pairs /api/keypair adds since, one JSON object
// per line (docs/adr/0022):
//
//	{"add":"signing","id":"k1","key":"<base64>","owner":"3f2a9c0d1b7e"}
//
// Adding a key appends one line and syncs it, instead of rewriting the file, so its cost no
// longer grows with the file (issue 18: 3,000 additions took it from 1.25 to 11.3 ms). A line
// cut short by a crash (no final newline) is ignored when read and cut off before the next
// append; any other malformed line is an error, as a malformed document is. Files without
// a log (every file written before) read as before.

// keyRecord is one appended key pair.
type keyRecord struct {
	Add   string `json:"add"` // "signing" or "ecdh"
	ID    string `json:"id"`
	Key   string `json:"key"`
	Owner string `json:"owner,omitempty"` // fingerprint of the API key that created it ("" without one)
}

// parseKeyFile reads the document and the log. complete is the length of the well-formed
// prefix: what follows it is a torn last record. owners counts the logged keys per owner.
func parseKeyFile(b []byte) (ks *keySetFile, owners map[string]int, complete int64, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	ks = new(keySetFile)
	if err := dec.Decode(ks); err != nil {
		return nil, nil, 0, err
	}
	if err := ks.check(); err != nil {
		return nil, nil, 0, err
	}
	off := dec.InputOffset()
	// The rest of the document's line (its newline) belongs to it.
	if i := bytes.IndexByte(b[off:], '\n'); i >= 0 && len(bytes.TrimSpace(b[off:off+int64(i)])) == 0 {
		off += int64(i) + 1
	} else if len(bytes.TrimSpace(b[off:])) == 0 {
		return ks, map[string]int{}, int64(len(b)), nil
	}
	owners = map[string]int{}
	n, err := parseKeyLog(ks, owners, b[off:])
	if err != nil {
		return nil, nil, 0, err
	}
	return ks, owners, off + n, nil
}

// parseKeyLog applies the log records in b to ks and owners and returns the length of the
// complete lines read (a last line without its newline is a torn append, left unread).
func parseKeyLog(ks *keySetFile, owners map[string]int, b []byte) (int64, error) {
	off := int64(0)
	for line := 1; off < int64(len(b)); line++ {
		rest := b[off:]
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 { // no newline: the append was cut short; ignored
			return off, nil
		}
		text := bytes.TrimSpace(rest[:nl])
		off += int64(nl) + 1
		if len(text) == 0 {
			continue
		}
		var rec keyRecord
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return 0, fmt.Errorf("key log line %d: %w", line, err)
		}
		if dec.More() {
			return 0, fmt.Errorf("key log line %d: more than one record", line)
		}
		if err := ks.apply(rec); err != nil {
			return 0, fmt.Errorf("key log line %d: %w", line, err)
		}
		owners[rec.Owner]++
	}
	return off, nil
}

// apply adds a logged key pair to the key set.
func (ks *keySetFile) apply(rec keyRecord) error {
	var sec *keySection
	switch rec.Add {
	case "signing":
		sec = &ks.Signing
	case "ecdh":
		sec = &ks.ECDH
	default:
		return fmt.Errorf("section %q: must be signing or ecdh", rec.Add)
	}
	if err := checkKeyID(rec.ID); err != nil {
		return err
	}
	if raw, err := b64decode(rec.Key); err != nil || len(raw) != 32 {
		return fmt.Errorf("%s key %q: must be 32 bytes in standard base64", rec.Add, rec.ID)
	}
	if _, dup := sec.Keys[rec.ID]; dup {
		return fmt.Errorf("%s key %q: defined twice", rec.Add, rec.ID)
	}
	sec.Keys[rec.ID] = rec.Key
	return nil
}

// appendKeyRecord appends rec to the file at path (whose well-formed prefix is complete bytes
// long: a torn record after it is cut off first) and syncs it.
func appendKeyRecord(path string, complete int64, rec keyRecord) (int64, error) {
	line, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	line = append(line, '\n')
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return 0, readOnly(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return 0, err
	} else if fi.Size() != complete {
		if err := f.Truncate(complete); err != nil {
			return 0, readOnly(err)
		}
	}
	if _, err := f.Seek(complete, io.SeekStart); err != nil {
		return 0, err
	}
	if _, err := f.Write(line); err != nil {
		_ = f.Truncate(complete)
		return 0, readOnly(err)
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return int64(len(line)), nil
}

// checkKeyID refuses key ids that cannot be told apart or printed: control characters and
// the replacement character (which is what a lone surrogate decodes to).
func checkKeyID(id string) error {
	for _, r := range id {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return fmt.Errorf("key_id %q: must not contain control characters or U+FFFD", id)
		}
	}
	return nil
}

// loneSurrogate reports whether the JSON string literal raw escapes a UTF-16 surrogate that
// is not half of a pair (\ud800 alone): Go's decoder turns every such one into U+FFFD, so
// "\ud800" and "\udfff" would name the same key.
func loneSurrogate(raw []byte) bool {
	s := string(raw)
	for i := 0; i+6 <= len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if s[i+1] != 'u' {
			i++ // skip the escaped character (it may be a backslash)
			continue
		}
		r := hexRune(s[i+2 : i+6])
		if !utf16.IsSurrogate(r) {
			i += 5
			continue
		}
		if r >= 0xdc00 || i+12 > len(s) || !strings.HasPrefix(s[i+6:], `\u`) {
			return true
		}
		if lo := hexRune(s[i+8 : i+12]); lo < 0xdc00 || lo > 0xdfff {
			return true
		}
		i += 11
	}
	return false
}

func hexRune(h string) rune {
	var r rune
	for _, c := range h {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | (c - '0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | (c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | (c - 'A' + 10)
		default:
			return -1
		}
	}
	return r
}

// errTooManyKeys is an API key's key pairs over MFN_CRYPTO_MAX_KEYS_PER_API_KEY.
var errTooManyKeys = errors.New("too many key pairs for this API key")
