package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// fastLog is the access log's fast path to the handler behind a logger built by NewLogger:
// it writes a record given as a plain attribute slice, skipping the slog.Record (whose
// attributes beyond five are allocated), the caller-PC lookup slog.Logger does for every
// record, and per-attribute callbacks. The line is byte-for-byte the one Handle would write.
// The handlers are concrete types so that the caller's attribute array stays on its stack.
type fastLog struct {
	json *jsonHandler
	text *textHandler
}

// fastLogOf returns the fast path of a logger built by NewLogger (ok false for others).
func fastLogOf(log *slog.Logger) (f fastLog, ok bool) {
	ch, isCtx := log.Handler().(ctxHandler)
	if !isCtx {
		return f, false
	}
	switch h := ch.Handler.(type) {
	case *jsonHandler:
		return fastLog{json: h}, true
	case *textHandler:
		if h.fast {
			return fastLog{text: h}, true
		}
	}
	return f, false
}

// log writes one record, adding the exchange's request and trace IDs as ctxHandler does.
func (f fastLog) log(rec *record, t time.Time, level slog.Level, msg string, attrs []slog.Attr) {
	if rec != nil {
		attrs = append(attrs, slog.String("request_id", rec.id))
		if rec.traceID != "" {
			attrs = append(attrs, slog.String("trace_id", rec.traceID))
		}
	}
	if f.json != nil {
		_ = f.json.handleAttrs(t, level, msg, attrs)
		return
	}
	_ = f.text.handleAttrs(t, level, msg, attrs)
}

// lockedWriter serialises the lines of the text handler's two paths.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// textHandler is slog.TextHandler with the reference's level names, plus a fast path for
// attribute slices of simple kinds (handleAttrs). pre is the text of the attributes added by
// WithAttrs, exactly as slog.TextHandler writes them; fast is false once a group is opened.
// handleAttrs applies NewLogger's ReplaceAttr rule (level names) itself and no other: a new
// rule there must be mirrored here (TestFastLogMatchesHandle compares the two paths).
type textHandler struct {
	*slog.TextHandler
	out   lockedWriter
	level slog.Leveler
	opts  *slog.HandlerOptions
	pre   []byte
	fast  bool
}

func newTextHandler(w io.Writer, opts *slog.HandlerOptions) *textHandler {
	out := lockedWriter{mu: &sync.Mutex{}, w: w}
	return &textHandler{TextHandler: slog.NewTextHandler(out, opts), out: out, level: opts.Level, opts: opts, fast: true}
}

func (h *textHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.TextHandler = h.TextHandler.WithAttrs(as).(*slog.TextHandler)
	if c.fast {
		// The attributes' text as slog.TextHandler writes it: a record with only them.
		var buf bytes.Buffer
		th := slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			if h.opts.ReplaceAttr != nil {
				return h.opts.ReplaceAttr(groups, a)
			}
			return a
		}})
		_ = th.WithAttrs(as).Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelInfo, "", 0))
		text := bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
		c.pre = append([]byte(nil), h.pre...)
		if len(text) > 0 {
			c.pre = append(append(c.pre, ' '), text...)
		}
	}
	return &c
}

func (h *textHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.TextHandler = h.TextHandler.WithGroup(name).(*slog.TextHandler)
	c.fast = false
	return &c
}

// handleAttrs writes the line slog.TextHandler would write for a record with these
// attributes; attributes of other kinds than string, int64 and float64 go through Handle.
func (h *textHandler) handleAttrs(t time.Time, level slog.Level, msg string, attrs []slog.Attr) error {
	for _, a := range attrs {
		switch a.Value.Kind() {
		case slog.KindString, slog.KindInt64, slog.KindFloat64:
		default:
			r := slog.NewRecord(t, level, msg, 0)
			r.AddAttrs(attrs...)
			return h.TextHandler.Handle(context.Background(), r)
		}
	}
	bp := logBufs.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, "time="...)
	b = appendLogTimeText(b, t.Round(0))
	b = append(b, " level="...)
	b = appendText(b, levelName(level))
	b = append(b, " msg="...)
	b = appendText(b, msg)
	b = append(b, h.pre...)
	for _, a := range attrs {
		b = append(b, ' ')
		b = appendText(b, a.Key)
		b = append(b, '=')
		switch v := a.Value; v.Kind() {
		case slog.KindString:
			b = appendText(b, v.String())
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindFloat64:
			b = strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
		}
	}
	b = append(b, '\n')
	_, err := h.out.Write(b)
	*bp = b
	logBufs.Put(bp)
	return err
}

// appendRFC3339Millis is slog.TextHandler's time format.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...) // drop the 4th digit
}

// appendText writes s as slog.TextHandler does: bare, or quoted when it needs quoting.
func appendText(b []byte, s string) []byte {
	if textNeedsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// textNeedsQuoting is slog's rule: empty, or containing a space, '=', a character JSON
// would escape (backslash excepted), invalid UTF-8, or a non-printing or space rune.
func textNeedsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c != '\\' && (c <= ' ' || c == '=' || c == '"') {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// handleAttrs writes the line Handle would write for a record with these attributes.
func (h *jsonHandler) handleAttrs(t time.Time, level slog.Level, msg string, attrs []slog.Attr) error {
	bp := logBufs.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, `{"timestamp":"`...)
	if t.IsZero() {
		b = b[:len(b)-len(`"timestamp":"`)]
	} else {
		b = appendLogTimeJSON(b, t)
		b = append(b, '"')
	}
	b = appendKey(b, "level")
	b = appendString(b, levelName(level))
	b = appendKey(b, "message")
	b = appendString(b, msg)
	b = append(b, h.pre...)
	open := h.opened
	if len(attrs) > 0 {
		mark, pending := len(b), len(h.groups)-h.opened
		for _, g := range h.groups[h.opened:] {
			b = appendKey(b, g)
			b = append(b, '{')
		}
		inner := len(b)
		for _, a := range attrs {
			b = appendAttr(b, a)
		}
		if len(b) == inner {
			b = b[:mark]
		} else {
			open += pending
		}
	}
	for range open {
		b = append(b, '}')
	}
	b = append(b, '}', '\n')
	h.mu.Lock()
	_, err := h.w.Write(b)
	h.mu.Unlock()
	*bp = b
	logBufs.Put(bp)
	return err
}

// secondStamp caches, for one second of one location, the text both log formats share: the
// date and time to the second, and the zone suffix. A line then costs a cache check and a
// few digits instead of a time.Format.
type secondStamp struct {
	unix int64
	loc  *time.Location
	sec  string // "2006-01-02T15:04:05"
	zone string // "Z" or "-07:00"
}

var textStamp, jsonStamp atomic.Pointer[secondStamp]

func stampFor(cache *atomic.Pointer[secondStamp], t time.Time) *secondStamp {
	unix := t.Unix()
	if s := cache.Load(); s != nil && s.unix == unix && s.loc == t.Location() {
		return s
	}
	full := t.Truncate(time.Second).Format("2006-01-02T15:04:05Z07:00")
	s := &secondStamp{unix: unix, loc: t.Location(), sec: full[:19], zone: full[19:]}
	cache.Store(s)
	return s
}

// appendFrac writes v as exactly digits decimal digits.
func appendFrac(b []byte, v int, digits int) []byte {
	var d [9]byte
	for i := digits - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:digits]...)
}

// appendLogTimeText is appendRFC3339Millis (slog.TextHandler's time format), cached per second.
func appendLogTimeText(b []byte, t time.Time) []byte {
	if t.Year() < 1000 || t.Year() > 9999 {
		return appendRFC3339Millis(b, t)
	}
	s := stampFor(&textStamp, t)
	b = append(b, s.sec...)
	b = append(b, '.')
	b = appendFrac(b, t.Nanosecond()/1e6, 3)
	return append(b, s.zone...)
}

// appendLogTimeJSON is the JSON log's "2006-01-02T15:04:05.000000Z" of t in UTC, cached per second.
func appendLogTimeJSON(b []byte, t time.Time) []byte {
	t = t.UTC()
	if t.Year() < 1000 || t.Year() > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	}
	s := stampFor(&jsonStamp, t)
	b = append(b, s.sec...)
	b = append(b, '.')
	b = appendFrac(b, t.Nanosecond()/1e3, 6)
	return append(b, 'Z')
}
