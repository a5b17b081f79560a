package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"testing/slogtest"
	"time"
)

func TestJSONHandlerConformsToSlog(t *testing.T) {
	var buf bytes.Buffer
	h := newJSONHandler(&buf, slog.LevelDebug)
	results := func() []map[string]any {
		var out []map[string]any
		for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			// slogtest looks for slog's key names.
			for ours, theirs := range map[string]string{"timestamp": slog.TimeKey, "message": slog.MessageKey} {
				if v, ok := m[ours]; ok {
					m[theirs] = v
					delete(m, ours)
				}
			}
			out = append(out, m)
		}
		return out
	}
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Error(err)
	}
}

func TestJSONHandlerValues(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(newJSONHandler(&buf, slog.LevelInfo)).With("env", "prod")
	log.Debug("hidden")
	log.Log(context.Background(), LevelCritical, "line\n\"quoted\" \x01 \xff é \u2028",
		"int", -3, "uint", uint64(7), "f", 1.5, "nan", math.NaN(), "b", true, "d", time.Second,
		"err", errors.New("boom"), "any", []int{1, 2}, slog.Group("g", "k", "v"), slog.Group("empty"))
	out := buf.String()
	if strings.Contains(out, "hidden") || strings.Count(out, "\n") != 1 {
		t.Fatalf("output %q", out)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	want := map[string]any{"level": "CRITICAL", "message": "line\n\"quoted\" \x01 \ufffd é \u2028", "env": "prod", "int": -3.0,
		"uint": 7.0, "f": 1.5, "nan": "NaN", "b": true, "d": 1e9, "err": "boom", "any": []any{1.0, 2.0},
		"g": map[string]any{"k": "v"}}
	for k, v := range want {
		got, _ := json.Marshal(m[k])
		exp, _ := json.Marshal(v)
		if !bytes.Equal(got, exp) {
			t.Errorf("%s = %s, want %s", k, got, exp)
		}
	}
	if _, ok := m["empty"]; ok {
		t.Error("an empty group was written")
	}
	if !strings.HasPrefix(out, `{"timestamp":"`) || !strings.Contains(out, `Z","level":"CRITICAL","message":`) {
		t.Errorf("leading keys: %s", out)
	}
}
