package apikey

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func TestParseOldAndNewFormat(t *testing.T) {
	b := []byte("# comment\n\nbare-key-aaaaaaaaaaaa\nkey-bbbbbbbbbbbbbbbb id=ci created=2026-12-01T00:00:00Z expires=2027-01-01T00:00:00Z\n")
	es, err := Parse("f", b)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Key != "bare-key-aaaaaaaaaaaa" || !es[0].Expires.IsZero() {
		t.Fatalf("bare key: %+v", es)
	}
	if es[1].ID != "ci" || !es[1].Expires.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("attributes: %+v", es[1])
	}
	if !es[1].Valid(t0) || es[1].Valid(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("a key is valid strictly before its expiry")
	}
	// Round trip.
	again, err := Parse("f", Format(es))
	if err != nil || len(again) != 2 || again[1] != es[1] {
		t.Fatalf("round trip: %v %+v", err, again)
	}
}

func TestParseErrorsNameLineAndValue(t *testing.T) {
	for in, want := range map[string]string{
		"k1111111111111111 expires=tomorrow\n": `line 1: expires="tomorrow" is not an RFC 3339 time`,
		"\nk1111111111111111 colour=red\n":     `line 2: unknown attribute "colour"`,
		"k1111111111111111 two words\n":        `line 1: "two" is not an attribute`,
		"id=x k1111111111111111\n":             "line 1: the key must come first",
		strings.Repeat("k", MaxLineBytes+10):   "at most 4096 bytes",
	} {
		_, err := Parse("keys.txt", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "keys.txt") {
			t.Errorf("%.40q: %v, want %q", in, err, want)
		}
	}
}

func TestRotateAddsAndRetiresWithOverlap(t *testing.T) {
	s := &Set{}
	old := Entry{Key: "old-key-0123456789abcdef", ID: "old"}
	expired := Entry{Key: "gone-key-0123456789abcdef", ID: "gone", Expires: t0.Add(-time.Hour)}
	soon := Entry{Key: "soon-key-0123456789abcdef", Expires: t0.Add(time.Hour)}
	for _, e := range []Entry{old, expired, soon} {
		if err := s.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	e, err := s.Rotate("new", t0, 24*time.Hour, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Key) < 40 || e.ID != "new" || !e.Created.Equal(t0) || !e.Expires.Equal(t0.Add(90*24*time.Hour)) {
		t.Fatalf("new entry %+v", e)
	}
	byID := map[string]Entry{}
	for _, x := range s.Entries {
		byID[x.Fingerprint()] = x
	}
	if _, ok := byID[expired.Fingerprint()]; ok {
		t.Error("an expired key survived the rotation")
	}
	if got := byID[old.Fingerprint()].Expires; !got.Equal(t0.Add(24 * time.Hour)) {
		t.Errorf("old key expires %v, want the overlap's end %v", got, t0.Add(24*time.Hour))
	}
	if got := byID[soon.Fingerprint()].Expires; !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("a key expiring before the overlap's end was extended to %v", got)
	}
	if len(s.Entries) != 3 {
		t.Errorf("%d entries after rotation, want 3", len(s.Entries))
	}
	if _, err := s.Rotate("x", t0, 48*time.Hour, 24*time.Hour); err == nil {
		t.Error("a lifetime shorter than the overlap was accepted")
	}
}

func TestAddRetirePrune(t *testing.T) {
	s := &Set{}
	if err := s.Add(Entry{Key: "short"}); err == nil {
		t.Error("a 5-character key was accepted")
	}
	if err := s.Add(Entry{Key: "k-0123456789abcdef", ID: "a b"}); err == nil {
		t.Error("an id with a blank was accepted")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Add(Entry{Key: "k-0123456789abcdef", ID: "a"}))
	if err := s.Add(Entry{Key: "k-0123456789abcdef"}); err == nil {
		t.Error("a duplicate key was accepted")
	}
	if err := s.Add(Entry{Key: "k-0123456789abcdeX", ID: "a"}); err == nil {
		t.Error("a duplicate id was accepted")
	}
	e, err := s.Retire("a", t0, time.Hour)
	must(err)
	if !e.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("retired %+v", e)
	}
	if _, err := s.Retire("nope", t0, 0); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("retiring an unknown key: %v", err)
	}
	if n := s.Prune(t0.Add(2 * time.Hour)); n != 1 || len(s.Entries) != 0 {
		t.Errorf("prune removed %d, left %d", n, len(s.Entries))
	}
}

func TestWriteFileIsAtomicAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	s := &Set{}
	if err := s.Add(Entry{Key: "k-0123456789abcdef", ID: "a", Expires: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	back, err := ReadFile(path, false)
	if err != nil || len(back.Entries) != 1 || back.Entries[0] != s.Entries[0] {
		t.Fatalf("read back %+v %v", back, err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".mfn-keys-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("k-0123456789abcdef id=a created=2026-12-01T00:00:00Z expires=2027-01-01T00:00:00Z\n# c\n\nbare\n"))
	f.Add([]byte("x expires=2027-13-01T00:00:00Z"))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := Parse("f", b)
		if err != nil {
			return
		}
		// What parses formats back to the same entries.
		again, err := Parse("f", Format(es))
		if err != nil || len(again) != len(es) {
			t.Fatalf("round trip: %v, %d vs %d", err, len(again), len(es))
		}
		for i := range es {
			if again[i].Key != es[i].Key || again[i].ID != es[i].ID || !again[i].Expires.Equal(es[i].Expires) {
				t.Fatalf("entry %d: %+v vs %+v", i, again[i], es[i])
			}
		}
	})
}
