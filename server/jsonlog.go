package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// jsonHandler is the service's JSON log handler: one object per line with the reference's
// leading keys (timestamp in UTC with microseconds, level, message), then the attributes in
// order. It does what slog.JSONHandler does with less work per record (no reflection for the
// common kinds, no per-attribute callbacks), which matters for an access log written at tens of
// thousands of lines per second. It passes testing/slogtest.
type jsonHandler struct {
	mu    *sync.Mutex
	w     io.Writer
	level slog.Leveler
	// pre holds the attributes and groups of WithAttrs/WithGroup, already encoded; opened
	// counts the groups opened in pre, groups lists every group.
	pre    []byte
	opened int
	groups []string
}

func newJSONHandler(w io.Writer, level slog.Leveler) *jsonHandler {
	return &jsonHandler{mu: &sync.Mutex{}, w: w, level: level}
}

func (h *jsonHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *jsonHandler) clone() *jsonHandler {
	c := *h
	c.pre = append([]byte(nil), h.pre...)
	c.groups = append([]string(nil), h.groups...)
	return &c
}

func (h *jsonHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := h.clone()
	c.groups = append(c.groups, name)
	return c
}

func (h *jsonHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	c := h.clone()
	// Encode after a placeholder byte, so that the first key gets its comma (pre follows the
	// message in every line).
	pre := append([]byte{'x'}, c.pre...)
	start := len(pre)
	for _, g := range c.groups[c.opened:] {
		pre = appendKey(pre, g)
		pre = append(pre, '{')
	}
	opened := len(c.groups)
	before := len(pre)
	for _, a := range as {
		pre = appendAttr(pre, a)
	}
	if len(pre) == before { // nothing but empty attributes: do not open the groups
		pre = pre[:start]
	} else {
		c.opened = opened
	}
	c.pre = pre[1:]
	return c
}

var logBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Handle writes one JSON line; it shares handleAttrs with the access log's fast path.
func (h *jsonHandler) Handle(_ context.Context, r slog.Record) error {
	var buf [8]slog.Attr
	attrs := buf[:0]
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	return h.handleAttrs(r.Time, r.Level, r.Message, attrs)
}

// appendKey writes `,"key":` (no comma right after an opening brace).
func appendKey(b []byte, k string) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = appendString(b, k)
	return append(b, ':')
}

func appendAttr(b []byte, a slog.Attr) []byte {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		as := v.Group()
		if len(as) == 0 {
			return b
		}
		if a.Key == "" { // an unnamed group is inlined
			for _, ga := range as {
				b = appendAttr(b, ga)
			}
			return b
		}
		mark := len(b)
		b = appendKey(b, a.Key)
		b = append(b, '{')
		inner := len(b)
		for _, ga := range as {
			b = appendAttr(b, ga)
		}
		if len(b) == inner {
			return b[:mark]
		}
		return append(b, '}')
	}
	if a.Key == "" && v.Any() == nil {
		return b
	}
	b = appendKey(b, a.Key)
	return appendValue(b, v)
}

func appendValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return appendString(b, strconv.FormatFloat(f, 'g', -1, 64))
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return strconv.AppendInt(b, int64(v.Duration()), 10)
	case slog.KindTime:
		return appendString(b, v.Time().Format(time.RFC3339Nano))
	}
	x := v.Any()
	if err, ok := x.(error); ok {
		return appendString(b, err.Error())
	}
	j, err := json.Marshal(x)
	if err != nil {
		return appendString(b, "!ERROR:"+err.Error())
	}
	return append(b, j...)
}

// appendString writes s as a JSON string (invalid UTF-8 becomes U+FFFD, as encoding/json).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigit[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigit = "0123456789abcdef"
