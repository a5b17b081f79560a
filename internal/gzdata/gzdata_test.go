package gzdata

import (
	"bytes"
	"strings"
	"testing"
)

func TestRoundTripAndDeterminism(t *testing.T) {
	in := []byte(strings.Repeat("box sizes 2 3 4 6 8 11 16\n", 500))
	gz := Compress(in)
	if !bytes.Equal(gz, Compress(in)) {
		t.Fatal("the same input gave two different files")
	}
	if len(gz) >= len(in)/10 {
		t.Fatalf("%d bytes compressed to %d", len(in), len(gz))
	}
	out, err := Decompress(gz)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("round trip: %v, equal %v", err, bytes.Equal(out, in))
	}
	get := Lazy("table", gz)
	a, err := get()
	b, _ := get()
	if err != nil || !bytes.Equal(a, in) || &a[0] != &b[0] {
		t.Fatalf("Lazy: %v; the second call must return the first call's bytes", err)
	}
}

func TestCorruptDataIsAnError(t *testing.T) {
	gz := Compress([]byte("some content that is long enough to be worth compressing"))
	for _, bad := range [][]byte{nil, []byte("not gzip"), gz[:len(gz)-6], append(bytes.Clone(gz[:len(gz)-4]), 0, 0, 0, 0)} {
		if _, err := Decompress(bad); err == nil {
			t.Errorf("Decompress(%q) gave no error", bad)
		}
	}
	if _, err := Lazy("table", []byte("x"))(); err == nil || !strings.Contains(err.Error(), "embedded table") {
		t.Errorf("Lazy's error %v does not name the file", err)
	}
}
