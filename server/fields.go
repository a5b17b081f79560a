package server

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The field readers below follow pydantic 2's "lax" JSON mode, which is what the reference
// accepts: an integer field takes 64, 64.0, "64" and true; a float field takes numbers,
// numeric strings and booleans; a boolean field takes true/false, 0/1 and the usual words.
// Unlike the reference, NaN and ±Inf are refused everywhere (see docs/adr/0012).

// kindError is the pydantic type and message of a value that has the wrong type.
type kindError struct{ typ, msg string }

var (
	errIntType      = kindError{"int_type", "Input should be a valid integer"}
	errIntParsing   = kindError{"int_parsing", "Input should be a valid integer, unable to parse string as an integer"}
	errIntFromFloat = kindError{"int_from_float", "Input should be a valid integer, got a number with a fractional part"}
	errFloatType    = kindError{"float_type", "Input should be a valid number"}
	errFloatParsing = kindError{"float_parsing", "Input should be a valid number, unable to parse string as a number"}
	errFinite       = kindError{"finite_number", "Input should be a finite number"}
	errBoolType     = kindError{"bool_type", "Input should be a valid boolean"}
	errBoolParsing  = kindError{"bool_parsing", "Input should be a valid boolean, unable to interpret input"}
	errStringType   = kindError{"string_type", "Input should be a valid string"}
	errListType     = kindError{"list_type", "Input should be a valid list"}
)

// scalarText returns the text of a JSON number, or the trimmed content of a JSON string
// (isString true). ok is false for any other JSON value.
func scalarText(raw []byte) (s string, isString, ok bool) {
	if len(raw) == 0 {
		return "", false, false
	}
	switch c := raw[0]; {
	case c == '"':
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return "", true, false
		}
		return strings.TrimSpace(v), true, true
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw), false, true
	}
	return "", false, false
}

// intValue parses an integer field. overflow is −1 or +1 when the value is an integer outside
// the int64 range.
func intValue(raw []byte) (v int64, overflow int, bad *kindError) {
	switch string(raw) {
	case "true":
		return 1, 0, nil
	case "false":
		return 0, 0, nil
	}
	s, isString, ok := scalarText(raw)
	if !ok {
		return 0, 0, &errIntType
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, 0, nil
	} else if ne, _ := err.(*strconv.NumError); ne != nil && ne.Err == strconv.ErrRange {
		if strings.HasPrefix(s, "-") {
			return 0, -1, nil
		}
		return 0, 1, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !math.IsInf(f, 0):
		if isString {
			return 0, 0, &errIntParsing
		}
		return 0, 0, &errIntType
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, 0, &errFinite
	case f != math.Trunc(f):
		return 0, 0, &errIntFromFloat
	case f >= 0x1p63:
		return 0, 1, nil
	case f < -0x1p63:
		return 0, -1, nil
	}
	return int64(f), 0, nil
}

// floatValue parses a float field; NaN and ±Inf (also as overflowing literals) are refused.
func floatValue(raw []byte) (float64, *kindError) {
	switch string(raw) {
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	}
	s, isString, ok := scalarText(raw)
	if !ok {
		return 0, &errFloatType
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		if isString {
			return 0, &errFloatParsing
		}
		return 0, &errFloatType
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &errFinite
	}
	return f, nil
}

// boolValue parses a boolean field.
func boolValue(raw []byte) (bool, *kindError) {
	switch string(raw) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	s, isString, ok := scalarText(raw)
	if !ok {
		return false, &errBoolType
	}
	if isString {
		switch strings.ToLower(s) {
		case "true", "yes", "on", "1", "t", "y":
			return true, nil
		case "false", "no", "off", "0", "f", "n":
			return false, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !isString && (f == 0 || f == 1) {
		return f == 1, nil
	}
	return false, &errBoolParsing
}

// intField reads an integer member into dst, checking lo ≤ v ≤ hi.
func (f *form) intField(name string, dst *int, required bool, lo, hi int64) {
	raw, ok := f.take(name, required)
	if !ok {
		return
	}
	v, overflow, bad := intValue(raw)
	if bad != nil {
		f.add(bad.typ, bad.msg, raw, nil, name)
		return
	}
	switch {
	case overflow < 0 || (overflow == 0 && v < lo):
		f.add("greater_than_equal", fmt.Sprintf("Input should be greater than or equal to %d", lo), raw, map[string]any{"ge": lo}, name)
	case overflow > 0 || v > hi:
		f.add("less_than_equal", fmt.Sprintf("Input should be less than or equal to %d", hi), raw, map[string]any{"le": hi}, name)
	default:
		*dst = int(v)
	}
}

// seedField reads a non-negative integer seed that may use the whole uint64 range.
func (f *form) seedField(name string, dst *uint64, max uint64) {
	raw, ok := f.take(name, false)
	if !ok {
		return
	}
	if s, _, ok := scalarText(raw); ok {
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			if u <= max {
				*dst = u
			} else {
				f.add("less_than_equal", fmt.Sprintf("Input should be less than or equal to %d", max), raw, map[string]any{"le": max}, name)
			}
			return
		}
	}
	v, overflow, bad := intValue(raw)
	switch {
	case bad != nil:
		f.add(bad.typ, bad.msg, raw, nil, name)
	case overflow < 0 || v < 0:
		f.add("greater_than_equal", "Input should be greater than or equal to 0", raw, map[string]any{"ge": 0}, name)
	case overflow > 0 || uint64(v) > max:
		f.add("less_than_equal", fmt.Sprintf("Input should be less than or equal to %d", max), raw, map[string]any{"le": max}, name)
	default:
		*dst = uint64(v)
	}
}

// floatBounds are the optional inclusive (ge, le) and exclusive (gt) bounds of a float field.
type floatBounds struct {
	ge, le, gt *float64
}

func bound(v float64) *float64 { return &v }

// floatField reads a finite float member into dst and checks its bounds.
func (f *form) floatField(name string, dst *float64, required bool, b floatBounds) {
	raw, ok := f.take(name, required)
	if !ok {
		return
	}
	v, bad := floatValue(raw)
	switch {
	case bad != nil:
		f.add(bad.typ, bad.msg, raw, nil, name)
	case b.gt != nil && !(v > *b.gt):
		f.add("greater_than", "Input should be greater than "+num(*b.gt), raw, map[string]any{"gt": *b.gt}, name)
	case b.ge != nil && !(v >= *b.ge):
		f.add("greater_than_equal", "Input should be greater than or equal to "+num(*b.ge), raw, map[string]any{"ge": *b.ge}, name)
	case b.le != nil && !(v <= *b.le):
		f.add("less_than_equal", "Input should be less than or equal to "+num(*b.le), raw, map[string]any{"le": *b.le}, name)
	default:
		*dst = v
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// boolField reads a boolean member into dst.
func (f *form) boolField(name string, dst *bool) {
	raw, ok := f.take(name, false)
	if !ok {
		return
	}
	v, bad := boolValue(raw)
	if bad != nil {
		f.add(bad.typ, bad.msg, raw, nil, name)
		return
	}
	*dst = v
}

// stringField reads a string member of minLen..maxLen characters into dst. A nullable field
// accepts null (leaving dst unchanged).
func (f *form) stringField(name string, dst *string, required, nullable bool, minLen, maxLen int, pattern *regexp.Regexp) {
	raw, ok := f.take(name, required)
	if !ok {
		return
	}
	if nullable && string(raw) == "null" {
		return
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		f.add(errStringType.typ, errStringType.msg, raw, nil, name)
		return
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen:
		f.add("string_too_short", fmt.Sprintf("String should have at least %d %s", minLen, plural(minLen, "character")),
			raw, map[string]any{"min_length": minLen}, name)
	case n > maxLen:
		f.add("string_too_long", fmt.Sprintf("String should have at most %d %s", maxLen, plural(maxLen, "character")),
			raw, map[string]any{"max_length": maxLen}, name)
	case pattern != nil && !pattern.MatchString(s):
		f.add("string_pattern_mismatch", fmt.Sprintf("String should match pattern '%s'", pattern.String()),
			raw, map[string]any{"pattern": pattern.String()}, name)
	default:
		*dst = s
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
