package server

import "testing"

// TestSaneRequestIDBoundaries: the first and last character of every allowed range is kept and
// the characters just outside are refused (a mutation-testing survivor: 'z' itself was untested).
func TestSaneRequestIDBoundaries(t *testing.T) {
	for _, id := range []string{"a", "z", "A", "Z", "0", "9", "-", "_", ".", ":", "/", "+", "=", "@", "az-AZ_09"} {
		if !saneRequestID(id) {
			t.Errorf("%q refused", id)
		}
	}
	for _, id := range []string{"`", "{", "@[", "[", "\x7f", "!", " ", ";", ""} {
		if saneRequestID(id) {
			t.Errorf("%q accepted", id)
		}
	}
}
