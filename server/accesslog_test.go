package server

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestParseAccessLog(t *testing.T) {
	for v, want := range map[string]string{"": "all", "all": "all", " ERRORS ": "errors", "sampled:1": "sampled:1",
		"sampled:100": "sampled:100", "sampled:1000000": "sampled:1000000"} {
		p := &problems{}
		if got := parseAccessLog(p, v).String(); got != want || len(p.list) != 0 {
			t.Errorf("parseAccessLog(%q) = %s %v, want %s", v, got, p.list, want)
		}
	}
	for _, v := range []string{"some", "sampled:", "sampled:0", "sampled:-3", "sampled:1000001", "sampled:x"} {
		p := &problems{}
		parseAccessLog(p, v)
		if len(p.list) != 1 || !strings.Contains(p.list[0], "MFN_ACCESS_LOG") || !strings.Contains(p.list[0], "sampled:N") {
			t.Errorf("parseAccessLog(%q): problems %v", v, p.list)
		}
	}
}

// TestAccessLogModes sends 100 successes and 10 errors through each mode and counts lines.
func TestAccessLogModes(t *testing.T) {
	for _, c := range []struct {
		mode  AccessLogMode
		lines int
	}{
		{AccessLogMode{Kind: "all"}, 110},
		{AccessLogMode{Kind: "errors"}, 10},
		{AccessLogMode{Kind: "sampled", Every: 10}, 20},
		{AccessLogMode{Kind: "sampled", Every: 1}, 110},
		{AccessLogMode{Kind: "sampled", Every: 1000}, 11},
	} {
		var logs syncBuffer
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/bad" {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			w.Write([]byte("ok"))
		}), withRequestID, withAccessLog(log, c.mode))
		for range 100 {
			call(h, "GET", "/health", "")
		}
		for range 10 {
			call(h, "GET", "/bad", "")
		}
		out := logs.String()
		if got := strings.Count(out, "request completed"); got != c.lines {
			t.Errorf("%s: %d lines, want %d", c.mode, got, c.lines)
		}
		if got := strings.Count(out, `"status":404`); got != 10 {
			t.Errorf("%s: %d error lines, want all 10", c.mode, got)
		}
	}
}

func TestAccessLogConfig(t *testing.T) {
	testApp(t, map[string]string{"MFN_ACCESS_LOG": "sampled:7"}) // the service starts with it
	cfg, err := LoadConfig(func(k string) string { return map[string]string{"MFN_ACCESS_LOG": "sampled:7"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AccessLog.String() != "sampled:7" {
		t.Errorf("AccessLog = %s", cfg.AccessLog)
	}
	if _, err := LoadConfig(func(k string) string { return map[string]string{"MFN_ACCESS_LOG": "loud"}[k] }); err == nil ||
		!strings.Contains(err.Error(), "MFN_ACCESS_LOG") {
		t.Errorf("bad mode: %v", err)
	}
}
