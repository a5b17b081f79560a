package grpcapi

import (
	"encoding/base64"
	"math"
	"strconv"
)

// body builds the JSON request a REST client would send for a gRPC request: only the fields
// the caller set, so that unset ones take the REST defaults and required ones are reported
// missing with the REST texts.
type body struct{ b []byte }

func newBody() *body { return &body{b: append(make([]byte, 0, 128), '{')} }

func (j *body) key(k string) {
	if len(j.b) > 1 {
		j.b = append(j.b, ',')
	}
	if plainKey(k) { // the field names: written as they are, as AppendQuote would
		j.b = append(append(append(j.b, '"'), k...), '"')
	} else {
		j.b = strconv.AppendQuote(j.b, k)
	}
	j.b = append(j.b, ':')
}

// plainKey reports whether k is made of letters, digits and underscores only, which JSON
// writes without escapes.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// appendFloat writes v so that it parses back to the same float64; NaN and ±Inf, which JSON
// has no numbers for, go as the strings REST refuses with its "finite number" issue.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(b, `"inf"`...)
	case math.IsInf(v, -1):
		return append(b, `"-inf"`...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func (j *body) float(k string, v *float64) *body {
	if v != nil {
		j.key(k)
		j.b = appendFloat(j.b, *v)
	}
	return j
}

func (j *body) int32(k string, v *int32) *body {
	if v != nil {
		j.key(k)
		j.b = strconv.AppendInt(j.b, int64(*v), 10)
	}
	return j
}

func (j *body) int64(k string, v *int64) *body {
	if v != nil {
		j.key(k)
		j.b = strconv.AppendInt(j.b, *v, 10)
	}
	return j
}

func (j *body) uint64(k string, v *uint64) *body {
	if v != nil {
		j.key(k)
		j.b = strconv.AppendUint(j.b, *v, 10)
	}
	return j
}

func (j *body) bool(k string, v *bool) *body {
	if v != nil {
		j.key(k)
		j.b = strconv.AppendBool(j.b, *v)
	}
	return j
}

func (j *body) str(k string, v *string) *body {
	if v != nil {
		j.key(k)
		j.b = strconv.AppendQuote(j.b, *v)
	}
	return j
}

// params writes a name → value map (gm's parameter overrides) when it has entries.
func (j *body) params(k string, m map[string]float64) *body {
	if len(m) == 0 {
		return j
	}
	j.key(k)
	j.b = append(j.b, '{')
	first := true
	for name, v := range m {
		if !first {
			j.b = append(j.b, ',')
		}
		first = false
		j.b = strconv.AppendQuote(j.b, name)
		j.b = append(j.b, ':')
		j.b = appendFloat(j.b, v)
	}
	j.b = append(j.b, '}')
	return j
}

// nonEmpty is the string's address when it is set (proto3 strings have no presence).
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// b64 is a bytes field as the REST API's base64 text (nil when empty and optional).
func b64(v []byte, required bool) *string {
	if len(v) == 0 && !required {
		return nil
	}
	s := base64.StdEncoding.EncodeToString(v)
	return &s
}

// gradients writes a list of lists of float32 values, each as the shortest text of its exact
// float64 value (as numpy's tolist() and json.dumps write them), which parses back exactly.
func (j *body) gradients(k string, rows [][]float32) *body {
	j.key(k)
	j.b = append(j.b, '[')
	for i, row := range rows {
		if i > 0 {
			j.b = append(j.b, ',')
		}
		j.b = append(j.b, '[')
		for n, v := range row {
			if n > 0 {
				j.b = append(j.b, ',')
			}
			j.b = appendFloat(j.b, float64(v))
		}
		j.b = append(j.b, ']')
	}
	j.b = append(j.b, ']')
	return j
}

func (j *body) bytes() []byte { return append(j.b, '}') }
