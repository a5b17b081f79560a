package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Issue is one item of a 422 body, shaped like FastAPI's (pydantic 2) validation errors:
// {"type", "loc", "msg", "input", "ctx"}.
type Issue struct {
	Type  string          `json:"type"`
	Loc   []any           `json:"loc"`
	Msg   string          `json:"msg"`
	Input json.RawMessage `json:"input,omitempty"`
	Ctx   map[string]any  `json:"ctx,omitempty"`
}

// maxEchoedInput bounds the size of an offending input echoed back in an issue.
const maxEchoedInput = 256

// maxIssues bounds the number of issues in one 422 body.
const maxIssues = 50

// form is a decoded JSON object body: its members, the ones a field has taken, and the issues
// found so far.
type form struct {
	members map[string]json.RawMessage
	used    []string
	usedBuf [8]string // backs used for the usual handful of fields
	raw     []byte
	issues  []Issue
}

// readForm reads r's body as one JSON object. It fails with 413 when the body exceeds the
// limit set by the body-size middleware, and with a 422 when the body is missing, is not
// JSON, or is JSON but not an object.
func readForm(r *http.Request) (*form, error) {
	b, err := readJSONBody(r)
	if err != nil {
		return nil, err
	}
	return parseForm(b)
}

// readJSONBody is readForm's reading part: the Content-Type check and the body, unparsed.
func readJSONBody(r *http.Request) ([]byte, error) {
	if ct := header(r.Header, "Content-Type"); ct != "" && ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return nil, invalid(Issue{Type: "content_type", Loc: []any{"body"},
				Msg: "Content-Type must be application/json, got " + quoteTrunc(ct)})
		}
	}
	b, err := readBody(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(KindTooLarge, "Request body exceeds the limit of %d bytes (MFN_MAX_BODY_BYTES)", mbe.Limit)
		}
		return nil, errorf(KindBadRequest, "Could not read the request body: %v", err)
	}
	return b, nil
}

// readBody reads the whole body as io.ReadAll does, in one buffer of the declared length
// when there is one (ReadAll would grow its buffer from 512 bytes).
func readBody(r *http.Request) ([]byte, error) {
	n := r.ContentLength
	if r.Body == nil || n <= 0 || n > 64<<10 {
		return io.ReadAll(r.Body)
	}
	b := make([]byte, 0, n+1)
	for {
		m, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) { // more than declared (possible in-process): read the rest
			rest, err := io.ReadAll(r.Body)
			return append(b, rest...), err
		}
	}
}

// parseForm parses b as one JSON object (see readForm). Duplicate keys: the last one wins, as
// in Python's json.
func parseForm(b []byte) (*form, error) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return nil, invalid(Issue{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: json.RawMessage("null")})
	}
	if !utf8.Valid(b) {
		return nil, jsonInvalid(b, int64(invalidUTF8Offset(b)), "invalid UTF-8 in the request body")
	}
	if trimmed[0] != '{' {
		if err := json.Unmarshal(b, new(json.RawMessage)); err != nil {
			return nil, syntaxIssue(b, err)
		}
		return nil, invalid(Issue{Type: "model_attributes_type", Loc: []any{"body"},
			Msg: "Input should be a valid dictionary or object to extract fields from", Input: echo(trimmed)})
	}
	if !json.Valid(b) {
		return nil, syntaxIssue(b, json.Unmarshal(b, new(json.RawMessage)))
	}
	members, err := splitObject(trimmed)
	if err != nil {
		return nil, jsonInvalid(b, 0, err.Error())
	}
	f := &form{raw: b, members: members}
	f.used = f.usedBuf[:0]
	return f, nil
}

func syntaxIssue(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return jsonInvalid(b, se.Offset, se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return jsonInvalid(b, int64(len(b)), "unexpected end of JSON input")
	}
	return jsonInvalid(b, 0, err.Error())
}

func jsonInvalid(_ []byte, offset int64, msg string) error {
	return invalid(Issue{Type: "json_invalid", Loc: []any{"body", offset}, Msg: "JSON decode error",
		Input: json.RawMessage("{}"), Ctx: map[string]any{"error": msg}})
}

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// echo returns raw for an issue's input, or nothing when it is too large to echo.
func echo(raw []byte) json.RawMessage {
	if len(raw) > maxEchoedInput {
		return nil
	}
	return json.RawMessage(raw)
}

func quoteTrunc(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// add records an issue at loc ["body", name, path...].
func (f *form) add(typ, msg string, input []byte, ctx map[string]any, path ...any) {
	if len(f.issues) >= maxIssues {
		return
	}
	loc := append([]any{"body"}, path...)
	f.issues = append(f.issues, Issue{Type: typ, Loc: loc, Msg: msg, Input: echo(input), Ctx: ctx})
}

// take returns the raw value of a member and marks it as known. A missing required member is
// an issue; ok is false when the member is absent (or null for an optional member).
func (f *form) take(name string, required bool) (raw json.RawMessage, ok bool) {
	f.used = append(f.used, name)
	raw, ok = f.members[name]
	if !ok {
		if required {
			f.add("missing", "Field required", f.raw, nil, name)
		}
		return nil, false
	}
	return raw, true
}

// finish reports every member no field took (extra_forbidden, in key order) and returns the
// 422, if any.
func (f *form) finish() error {
	if !f.allUsed() {
		var extra []string
		for k := range f.members {
			if !slices.Contains(f.used, k) {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		for _, k := range extra {
			f.add("extra_forbidden", "Extra inputs are not permitted", f.members[k], nil, k)
		}
	}
	if len(f.issues) > 0 {
		return invalid(f.issues...)
	}
	return nil
}

// allUsed reports whether every member was taken by a field.
func (f *form) allUsed() bool {
	for k := range f.members {
		if !slices.Contains(f.used, k) {
			return false
		}
	}
	return true
}

// failed reports whether an issue was recorded.
func (f *form) failed() bool { return len(f.issues) > 0 }
