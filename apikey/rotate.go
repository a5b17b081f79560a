package apikey

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Set is the contents of a key file, with the operations `mfn keys` offers.
type Set struct{ Entries []Entry }

// find returns the index of the entry whose id or fingerprint is sel, or an error.
func (s *Set) find(sel string) (int, error) {
	found := -1
	for i, e := range s.Entries {
		if e.ID == sel || e.Fingerprint() == sel {
			if found >= 0 {
				return -1, fmt.Errorf("%q matches more than one key: use the fingerprint", sel)
			}
			found = i
		}
	}
	if found < 0 {
		return -1, fmt.Errorf("no key with id or fingerprint %q (mfn keys list shows them)", sel)
	}
	return found, nil
}

// Add appends an entry; a key or an id that is already there is an error.
func (s *Set) Add(e Entry) error {
	if e.ID != "" {
		if err := ValidateID(e.ID); err != nil {
			return err
		}
	}
	if len(e.Key) < 16 {
		return fmt.Errorf("the key is %d characters; at least 16 are required", len(e.Key))
	}
	for _, o := range s.Entries {
		if o.Key == e.Key {
			return fmt.Errorf("this key is already in the file (fingerprint %s)", o.Fingerprint())
		}
		if e.ID != "" && o.ID == e.ID {
			return fmt.Errorf("id=%q is already taken", e.ID)
		}
	}
	s.Entries = append(s.Entries, e)
	return nil
}

// Retire makes the key sel (id or fingerprint) expire after overlap, unless it expires
// sooner already. It returns the entry as retired.
func (s *Set) Retire(sel string, now time.Time, overlap time.Duration) (Entry, error) {
	if overlap < 0 {
		return Entry{}, fmt.Errorf("overlap=%s: must not be negative", overlap)
	}
	i, err := s.find(sel)
	if err != nil {
		return Entry{}, err
	}
	end := now.Add(overlap).UTC().Truncate(time.Second)
	if e := &s.Entries[i]; e.Expires.IsZero() || e.Expires.After(end) {
		e.Expires = end
	}
	return s.Entries[i], nil
}

// Rotate adds a new key, valid for lifetime (0: no expiry), and retires every other key that
// is still valid with the overlap window, so clients have overlap to move to the new key.
// Keys that expired before now are dropped, which keeps the file bounded.
func (s *Set) Rotate(id string, now time.Time, overlap, lifetime time.Duration) (Entry, error) {
	if overlap < 0 || lifetime < 0 {
		return Entry{}, fmt.Errorf("overlap=%s, lifetime=%s: must not be negative", overlap, lifetime)
	}
	if lifetime > 0 && lifetime <= overlap {
		return Entry{}, fmt.Errorf("lifetime=%s must be longer than overlap=%s, or the new key expires before the old ones", lifetime, overlap)
	}
	now = now.UTC().Truncate(time.Second)
	kept := s.Entries[:0]
	for _, e := range s.Entries {
		if e.Valid(now) {
			kept = append(kept, e)
		}
	}
	s.Entries = kept
	for i := range s.Entries {
		end := now.Add(overlap)
		if e := &s.Entries[i]; e.Expires.IsZero() || e.Expires.After(end) {
			e.Expires = end
		}
	}
	e := Entry{Key: Generate(), ID: id, Created: now}
	if lifetime > 0 {
		e.Expires = now.Add(lifetime)
	}
	if err := s.Add(e); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// Prune drops the keys that expired before now and returns how many.
func (s *Set) Prune(now time.Time) int {
	kept := s.Entries[:0]
	for _, e := range s.Entries {
		if e.Valid(now) {
			kept = append(kept, e)
		}
	}
	n := len(s.Entries) - len(kept)
	s.Entries = kept
	return n
}

// ReadFile reads a key file; a missing file is an empty set when allowMissing.
func ReadFile(path string, allowMissing bool) (*Set, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) && allowMissing {
		return &Set{}, nil
	}
	if err != nil {
		return nil, err
	}
	entries, err := Parse(path, b)
	if err != nil {
		return nil, err
	}
	return &Set{Entries: entries}, nil
}

// WriteFile replaces path with the set atomically (a temporary file in the same directory,
// synced, then renamed), mode 0600: a reloading server never reads half a file.
func (s *Set) WriteFile(path string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".mfn-keys-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(Format(s.Entries)); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
