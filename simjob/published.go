package simjob

import (
	"bytes"
	"encoding/json"
)

// unwrapPublished returns the request inside the message `mfn serve` publishes for a /simulate
// result ({"request_id", "request", "response"}, route "simulate"), so that a worker consuming
// that topic runs the served request with its features; any other message is returned as is.
func unwrapPublished(data []byte) []byte {
	if !bytes.Contains(data, []byte(`"request_id"`)) {
		return data
	}
	var env struct {
		RequestID *string         `json:"request_id"`
		Request   json.RawMessage `json:"request"`
		Response  json.RawMessage `json:"response"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if dec.Decode(&env) != nil || env.RequestID == nil || len(env.Request) == 0 || len(env.Response) == 0 {
		return data
	}
	return env.Request
}
