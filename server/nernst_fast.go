package server

import (
	"math"
	"net/http"
	"strconv"
	"sync"

	"mfn/internal/pyfmt"
)

// POST /nernst is the service's cheapest computation, so under load its cost is mostly the
// reading and writing around it. The common body, a flat object of the four known members
// with plain numbers, is read here in one pass without building the general form (a map of
// members and strings), and the answer is written from a pooled buffer. Anything else, and
// any value the general path would refuse, goes to the general path, which alone words the
// errors: the fast path never answers an error itself (FuzzNernstFastPath checks that it
// agrees with the general path on every body it accepts).

// nernstInputs are POST /nernst's parameters, with the reference's defaults.
type nernstInputs struct {
	z           int
	cOut, cIn   float64
	temperature float64
}

func defaultNernstInputs() nernstInputs { return nernstInputs{z: 1, temperature: 310} }

// nernstFromForm reads the parameters through the general form (the reference's validation
// and error texts).
func nernstFromForm(f *form) (nernstInputs, error) {
	in := defaultNernstInputs()
	f.intField("z_valence", &in.z, false, math.MinInt32, math.MaxInt32)
	f.floatField("concentration_out_molar", &in.cOut, true, floatBounds{})
	f.floatField("concentration_in_molar", &in.cIn, true, floatBounds{})
	f.floatField("temperature_k", &in.temperature, false, floatBounds{})
	return in, f.finish()
}

// nernstField is the index of a member name in the order of nernstInputs, or -1.
func nernstField(key []byte) int {
	switch string(key) { // no allocation: the compiler compares the bytes
	case "z_valence":
		return 0
	case "concentration_out_molar":
		return 1
	case "concentration_in_molar":
		return 2
	case "temperature_k":
		return 3
	}
	return -1
}

// parseNernstFast reads b when it is a JSON object whose members are distinct known names
// without escapes, each a JSON number or true/false, holding values the general path accepts
// (required members present, z_valence an integer within int32). ok is false otherwise, and
// then nothing about b is decided here.
func parseNernstFast(b []byte) (in nernstInputs, ok bool) {
	var raws [4][]byte
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return in, false
	}
	i = skipSpace(b, i+1)
	for {
		if i >= len(b) || b[i] != '"' {
			return in, false
		}
		j := i + 1
		for j < len(b) && b[j] != '"' {
			if c := b[j]; c == '\\' || c < 0x20 || c >= 0x80 {
				return in, false
			}
			j++
		}
		if j >= len(b) {
			return in, false
		}
		k := nernstField(b[i+1 : j])
		if k < 0 || raws[k] != nil { // unknown or repeated member: the general path
			return in, false
		}
		i = skipSpace(b, j+1)
		if i >= len(b) || b[i] != ':' {
			return in, false
		}
		i = skipSpace(b, i+1)
		end := scalarEnd(b, i)
		if end < 0 {
			return in, false
		}
		raws[k] = b[i:end]
		i = skipSpace(b, end)
		if i >= len(b) {
			return in, false
		}
		if b[i] == '}' {
			if skipSpace(b, i+1) != len(b) {
				return in, false
			}
			break
		}
		if b[i] != ',' {
			return in, false
		}
		i = skipSpace(b, i+1)
	}
	if raws[1] == nil || raws[2] == nil {
		return in, false
	}
	in = defaultNernstInputs()
	if raws[0] != nil {
		z, ok := fastInt(raws[0])
		if !ok || z < math.MinInt32 || z > math.MaxInt32 {
			return in, false
		}
		in.z = int(z)
	}
	dst := [4]*float64{nil, &in.cOut, &in.cIn, &in.temperature}
	for k := 1; k < 4; k++ {
		if raws[k] == nil {
			continue
		}
		v, ok := fastFloat(raws[k])
		if !ok {
			return in, false
		}
		*dst[k] = v
	}
	return in, true
}

// scalarEnd returns the end of the JSON number, true or false at b[i] (RFC 8259's grammar),
// or -1 when there is none.
func scalarEnd(b []byte, i int) int {
	rest := b[i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		return i + 4
	case len(rest) >= 5 && string(rest[:5]) == "false":
		return i + 5
	}
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	default:
		return -1
	}
	if j < len(b) && b[j] == '.' {
		j++
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return -1
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return -1
		}
	}
	return j
}

// fastFloat is floatValue for a token scalarEnd accepted; ok is false where floatValue
// refuses the value.
func fastFloat(raw []byte) (float64, bool) {
	switch string(raw) {
	case "true":
		return 1, true
	case "false":
		return 0, true
	}
	f, err := strconv.ParseFloat(string(raw), 64) // short: converted on the stack
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// fastInt is intValue for a token scalarEnd accepted; ok is false where intValue refuses
// the value or reports an overflow.
func fastInt(raw []byte) (int64, bool) {
	switch string(raw) {
	case "true":
		return 1, true
	case "false":
		return 0, true
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || f >= 0x1p63 || f < -0x1p63 {
		return 0, false
	}
	return int64(f), true
}

// nernstBufs are the response buffers of POST /nernst.
var nernstBufs = sync.Pool{New: func() any { return new([64]byte) }}

// writeNernst writes {"potential_mV":v} (v finite) byte for byte as newObject().float(...)
// would, from a pooled buffer.
func writeNernst(w http.ResponseWriter, mv float64) {
	buf := nernstBufs.Get().(*[64]byte)
	b := append(buf[:0], `{"potential_mV":`...)
	b = pyfmt.AppendFloat(b, mv)
	b = append(b, '}')
	setJSONHeaders(w.Header(), strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	nernstBufs.Put(buf)
}
