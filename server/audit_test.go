package server

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// auditEvents returns the audit objects of the service's JSON log lines.
func auditEvents(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if a, ok := m["audit"].(map[string]any); ok {
			out = append(out, a)
		}
	}
	return out
}

// Failed authentications and key rotations are audit events of the stable schema
// (docs/security.md): who failed from where and why, how many keys a reload added and removed;
// no key ever appears in the log.
func TestAuditAuthFailuresAndRotations(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	writeFile(t, file, "first-key-0123456789\n")
	env := map[string]string{"MFN_ENV": "staging", "MFN_API_KEY_REQUIRED": "true", "MFN_API_KEYS_FILE": file,
		"MFN_LOG_FORMAT": "json", "MFN_CRYPTO_ENABLED": "false", "MFN_AUTH_FAILURE_BURST": "2", "MFN_AUTH_FAILURE_INTERVAL": "1m"}
	app, logs := testApp(t, env)
	h := app.Handler()
	body := `{"concentration_out_molar":0.005,"concentration_in_molar":0.14}`
	call(h, "POST", "/nernst", body)                                      // no key
	call(h, "POST", "/nernst", body, "X-API-Key", "not-a-key-0123456789") // wrong key
	call(h, "POST", "/nernst", body, "X-API-Key", "first-key-0123456789") // blocked: burst 2 spent
	if rec := call(h, "GET", "/health", ""); rec.Code != 200 {
		t.Fatalf("/health %d", rec.Code)
	}
	writeFile(t, file, "second-key-0123456789\nthird-key-0123456789\n")
	app.Reload(true)
	app.Close()
	out := logs.String()
	evs := auditEvents(t, out)
	var reasons []string
	var rotation map[string]any
	for _, e := range evs {
		if e["schema"] != float64(1) || e["audit_event"] != true {
			t.Errorf("event without the schema stamp: %v", e)
		}
		switch e["action"] {
		case "auth_failure":
			reasons = append(reasons, e["reason"].(string))
			if e["category"] != "authentication" || e["success"] != false || e["request_id"] == nil || e["source_ip"] == nil {
				t.Errorf("auth failure event %v", e)
			}
		case "key_rotation":
			rotation = e
		}
	}
	want := []string{"no API key", "invalid or expired API key", "too many failed authentications from this address"}
	if strings.Join(reasons, "|") != strings.Join(want, "|") {
		t.Errorf("auth failure reasons %q, want %q", reasons, want)
	}
	if d, _ := rotation["details"].(map[string]any); d["keys"] != "api_keys" || d["added"] != "2" || d["removed"] != "1" {
		t.Errorf("rotation event %v", rotation)
	}
	for _, k := range []string{"first-key-0123456789", "second-key", "not-a-key"} {
		if strings.Contains(out, k) {
			t.Errorf("the log contains a key (%s)", k)
		}
	}
}
