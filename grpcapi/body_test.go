package grpcapi

import (
	"strconv"
	"testing"
)

// TestBodyKeysQuoted: the body writes every member name as strconv.Quote does, the plain
// field names on their short path included.
func TestBodyKeysQuoted(t *testing.T) {
	for _, k := range []string{"grid_size", "Seed2", "", "a b", `q"uote`, "back\\slash", "ünï", "tab\t", "<x>"} {
		b := newBody()
		b.key(k)
		if got, want := string(b.b), "{"+strconv.Quote(k)+":"; got != want {
			t.Errorf("key %q: %s, want %s", k, got, want)
		}
	}
}
