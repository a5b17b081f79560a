package conformance

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// Float is a golden float: {"hex": "...", "dec": "..."}, or a bare JSON number or string.
type Float float64

// UnmarshalJSON accepts the golden forms of a float64.
func (f *Float) UnmarshalJSON(b []byte) error {
	var obj struct {
		Hex *string `json:"hex"`
		Dec *string `json:"dec"`
	}
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		s := obj.Hex
		if s == nil {
			s = obj.Dec
		}
		if s == nil {
			return fmt.Errorf("float object without hex or dec: %s", b)
		}
		v, err := parseFloat(*s)
		*f = Float(v)
		return err
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := parseFloat(s)
		*f = Float(v)
		return err
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = Float(v)
	return err
}

// Floats is a golden float list: {"hex": [...], "dec": [...]}, a list of hex strings, or numbers.
type Floats []float64

// UnmarshalJSON accepts the golden forms of a float64 list.
func (fs *Floats) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var obj struct {
			Hex []string `json:"hex"`
			Dec []string `json:"dec"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		src := obj.Hex
		if src == nil {
			src = obj.Dec
		}
		return fs.fromStrings(src)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]float64, len(raw))
	for i, r := range raw {
		var f Float
		if err := f.UnmarshalJSON(r); err != nil {
			return err
		}
		out[i] = float64(f)
	}
	*fs = out
	return nil
}

func (fs *Floats) fromStrings(src []string) error {
	out := make([]float64, len(src))
	for i, s := range src {
		v, err := parseFloat(s)
		if err != nil {
			return err
		}
		out[i] = v
	}
	*fs = out
	return nil
}

// parseFloat parses Python's float.hex() and repr() forms, including inf and nan.
func parseFloat(s string) (float64, error) {
	return strconv.ParseFloat(s, 64)
}

// BigInt is an integer written as a decimal string or a JSON number (may exceed 2^64).
type BigInt struct{ big.Int }

// UnmarshalJSON accepts "123", 123 or "0x7b".
func (b *BigInt) UnmarshalJSON(data []byte) error {
	s := string(data)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	if _, ok := b.SetString(s, 0); !ok {
		return fmt.Errorf("not an integer: %s", data)
	}
	return nil
}

// exact compares two float64 bit for bit (NaN equals NaN of any payload).
func exact(what string, got, want float64) error {
	if got == want && math.Signbit(got) == math.Signbit(want) {
		return nil
	}
	if math.IsNaN(got) && math.IsNaN(want) {
		return nil
	}
	return fmt.Errorf("%s: got %v (%x), want %v (%x)", what, got, got, want, want)
}

// approx compares with a relative tolerance, falling back to an absolute one near zero.
func approx(what string, got, want, rel, abs float64) error {
	if got == want || (math.IsNaN(got) && math.IsNaN(want)) {
		return nil
	}
	d := math.Abs(got - want)
	if d <= abs || d <= rel*math.Abs(want) {
		return nil
	}
	return fmt.Errorf("%s: got %v, want %v (|Δ| = %.3g, rel %.3g; allowed rel %g, abs %g)",
		what, got, want, d, d/math.Abs(want), rel, abs)
}

// exactSlice compares two float64 slices bit for bit and reports the first difference.
func exactSlice(what string, got, want []float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: length %d, want %d", what, len(got), len(want))
	}
	for i := range want {
		if err := exact(fmt.Sprintf("%s[%d]", what, i), got[i], want[i]); err != nil {
			return err
		}
	}
	return nil
}

// approxSlice compares element-wise with approx.
func approxSlice(what string, got, want []float64, rel, abs float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: length %d, want %d", what, len(got), len(want))
	}
	for i := range want {
		if err := approx(fmt.Sprintf("%s[%d]", what, i), got[i], want[i], rel, abs); err != nil {
			return err
		}
	}
	return nil
}

// sha256F64 is the SHA-256 of values serialised as contiguous little-endian float64.
func sha256F64(vals []float64) string {
	h := sha256.New()
	var buf [8]byte
	for _, v := range vals {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
		h.Write(buf[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sha256U64 is the SHA-256 of values serialised as contiguous little-endian uint64/int64.
func sha256U64(vals []uint64) string {
	h := sha256.New()
	var buf [8]byte
	for _, v := range vals {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Tolerances from golden/README.md.
const (
	// relTranscendental covers outputs that pass through log/exp/cos/sin/pow or least squares.
	relTranscendental = 1e-12
	absNearZero       = 1e-13
)
