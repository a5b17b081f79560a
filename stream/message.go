package stream

import (
	"encoding/json"
	"errors"
	"time"
)

// message is every server → client message: the reference puts timestamp and stream_id at
// the top level in some types and inside payload in others (§5.3); empty fields are omitted.
type message struct {
	Type      string `json:"type"`
	StreamID  string `json:"stream_id,omitempty"`
	Timestamp int64  `json:"timestamp,omitempty"`
	Payload   any    `json:"payload,omitempty"`
}

// errorPayload is the payload of error, auth_failed and subscribe_failed.
type errorPayload struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
	StreamID  string `json:"stream_id,omitempty"`
	Timestamp int64  `json:"timestamp,omitempty"`
}

// Error codes: the reference's, then this service's additions (ADR 0018).
const (
	codeInitFailed       = "INIT_FAILED"
	codeAuthFailed       = "AUTH_FAILED"
	codeAuthError        = "AUTH_ERROR"
	codeNotAuthenticated = "NOT_AUTHENTICATED"
	codeSubscribeError   = "SUBSCRIBE_ERROR"
	codeStreamError      = "STREAM_ERROR"
	codeBadMessage       = "BAD_MESSAGE"
	codeUnknownType      = "UNKNOWN_TYPE"
	codeTooLarge         = "MESSAGE_TOO_LARGE"
	codeRateLimited      = "RATE_LIMITED"
	codeTooMany          = "TOO_MANY_CONNECTIONS"
)

// envelope is a client message: {"type": …, "payload": {…}}; other keys are ignored.
type envelope struct {
	Type    string
	Payload json.RawMessage
}

var errNotObject = errors.New("a message must be a JSON object")

// decodeEnvelope parses a client message. A missing payload (or null) is {}.
func decodeEnvelope(data []byte) (envelope, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return envelope{}, errors.New("invalid JSON: " + err.Error())
	}
	if raw == nil {
		return envelope{}, errNotObject
	}
	var e envelope
	t, ok := raw["type"]
	if !ok {
		return e, errors.New(`missing "type"`)
	}
	if err := json.Unmarshal(t, &e.Type); err != nil {
		return e, errors.New(`"type" must be a string`)
	}
	e.Payload = raw["payload"]
	if len(e.Payload) == 0 || string(e.Payload) == "null" {
		e.Payload = json.RawMessage("{}")
	}
	return e, nil
}

// payloadFields reads a payload that must be a JSON object.
func payloadFields(p json.RawMessage) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(p, &m); err != nil || m == nil {
		return nil, errors.New("payload must be a JSON object")
	}
	return m, nil
}

// stringField reads a string field; required says whether absence (or null) is an error.
func stringField(m map[string]json.RawMessage, name string, required bool) (string, bool, error) {
	raw, ok := m[name]
	if !ok || string(raw) == "null" {
		if required {
			return "", false, errors.New(name + ": field required")
		}
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, errors.New(name + ": must be a string")
	}
	return s, true, nil
}

// millis is a time in milliseconds since the epoch, as the reference's timestamps.
func millis(t time.Time) int64 { return t.UnixMilli() }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("stream: encoding a message: " + err.Error())
	}
	return b
}
