package security

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// AuditSchema is the version of the audit event's JSON form. Fields are only ever added (with
// omitempty); renaming or removing one raises the version.
const AuditSchema = 1

// Audit actions.
const (
	ActionKeyUse       = "key_use"      // a stored key encrypted, decrypted, signed, verified or derived
	ActionKeyCreated   = "key_created"  // a new key was generated and stored
	ActionKeyRotation  = "key_rotation" // the key set changed (a reload brought new or removed keys)
	ActionAuthFailure  = "auth_failure" // a request without a valid API key was refused
	ActionAuthSuccess  = "auth_success"
	ActionAccessDenied = "access_denied" // a valid caller was refused an operation
)

// Audit categories and severities (the reference's vocabulary, spec §7.2).
const (
	CategoryAuthentication = "authentication"
	CategoryAuthorization  = "authorization"
	CategoryDataAccess     = "data_access"
	CategoryConfiguration  = "configuration"
	CategorySecurity       = "security"

	SeverityInfo    = "INFO"
	SeverityWarning = "WARNING"
	SeverityError   = "ERROR"
)

// AuditEvent is one security-relevant event. Its JSON form, keys in this order:
//
//	{"audit_event":true,"schema":1,"time":"2026-01-02T03:04:05.000000006Z","action":"key_use",
//	 "category":"data_access","severity":"INFO","success":true,"operation":"derive",
//	 "key_id":"key_…","algorithm":"X25519-HKDF-SHA256","request_id":"…","source_ip":"10.xxx.xxx.xxx",
//	 "reason":"…","details":{…}}
//
// audit_event, schema, time, action, category, severity and success are always present; the
// rest only when set. Keys, plaintexts, passwords and API keys never go into an event: a caller
// is named by its API key's fingerprint (key_id for API keys), and source_ip keeps only the
// first octet of an IPv4 address (the reference's redaction) or the first 8 characters of
// anything else.
type AuditEvent struct {
	Time      time.Time
	Action    string
	Category  string
	Severity  string
	Success   bool
	Operation string // encrypt, decrypt, sign, verify, derive, keypair, ...
	KeyID     string
	Algorithm string
	RequestID string
	SourceIP  string // redacted when written
	Reason    string // why a failure failed
	Details   map[string]string
}

type auditJSON struct {
	AuditEvent bool              `json:"audit_event"`
	Schema     int               `json:"schema"`
	Time       string            `json:"time"`
	Action     string            `json:"action"`
	Category   string            `json:"category"`
	Severity   string            `json:"severity"`
	Success    bool              `json:"success"`
	Operation  string            `json:"operation,omitempty"`
	KeyID      string            `json:"key_id,omitempty"`
	Algorithm  string            `json:"algorithm,omitempty"`
	RequestID  string            `json:"request_id,omitempty"`
	SourceIP   string            `json:"source_ip,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	Details    map[string]string `json:"details,omitempty"`
}

// MarshalJSON writes the event in its schema (time in UTC, RFC 3339 with nanoseconds).
func (e AuditEvent) MarshalJSON() ([]byte, error) {
	return json.Marshal(auditJSON{
		AuditEvent: true, Schema: AuditSchema, Time: e.Time.UTC().Format(time.RFC3339Nano),
		Action: e.Action, Category: e.Category, Severity: e.Severity, Success: e.Success,
		Operation: e.Operation, KeyID: e.KeyID, Algorithm: e.Algorithm, RequestID: e.RequestID,
		SourceIP: RedactIP(e.SourceIP), Reason: e.Reason, Details: e.Details,
	})
}

// LogValue gives the event to log/slog as a group with the schema's keys, in order and
// redacted as in the JSON form (a JSON handler writes the same object under the attribute's
// key).
func (e AuditEvent) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.Bool("audit_event", true), slog.Int("schema", AuditSchema),
		slog.String("time", e.Time.UTC().Format(time.RFC3339Nano)), slog.String("action", e.Action),
		slog.String("category", e.Category), slog.String("severity", e.Severity), slog.Bool("success", e.Success),
	}
	for _, kv := range [][2]string{{"operation", e.Operation}, {"key_id", e.KeyID}, {"algorithm", e.Algorithm},
		{"request_id", e.RequestID}, {"source_ip", RedactIP(e.SourceIP)}, {"reason", e.Reason}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	if len(e.Details) > 0 {
		keys := make([]string, 0, len(e.Details))
		for k := range e.Details {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		d := make([]any, 0, len(keys))
		for _, k := range keys {
			d = append(d, slog.String(k, e.Details[k]))
		}
		attrs = append(attrs, slog.Group("details", d...))
	}
	return slog.GroupValue(attrs...)
}

// RedactIP keeps the first octet of an IPv4 address ("10.xxx.xxx.xxx"), or the first 8
// characters and "..." of anything else (spec §7.2). A host:port has its port dropped first.
func RedactIP(s string) string {
	if s == "" {
		return ""
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	if ip := net.ParseIP(s); ip != nil && ip.To4() != nil && strings.Count(s, ".") == 3 {
		return s[:strings.IndexByte(s, '.')] + ".xxx.xxx.xxx"
	}
	if len(s) > 8 {
		return s[:8] + "..."
	}
	return s + "..."
}

// AuditLog writes events as JSON lines. It is safe for concurrent use; a nil *AuditLog
// discards events.
type AuditLog struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// NewAuditLog writes to w.
func NewAuditLog(w io.Writer) *AuditLog { return &AuditLog{w: w, now: time.Now} }

// Record stamps e (when its Time is zero), fills the defaults of its action and writes it as
// one line. A write error is returned, not hidden.
func (l *AuditLog) Record(e AuditEvent) error {
	if l == nil {
		return nil
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e = withDefaults(e)
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = l.w.Write(append(b, '\n'))
	return err
}

// Stamp returns e with the current time when its Time is zero and the category and severity
// its action implies when they are unset: the event as Record would write it, for callers
// that log through their own logger (the JSON form is AuditEvent's MarshalJSON).
func Stamp(e AuditEvent) AuditEvent {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	return withDefaults(e)
}

// withDefaults fills the category and severity an action implies when they are unset.
func withDefaults(e AuditEvent) AuditEvent {
	cat, sev := CategorySecurity, SeverityInfo
	switch e.Action {
	case ActionKeyUse:
		cat = CategoryDataAccess
	case ActionKeyCreated, ActionKeyRotation:
		cat = CategoryConfiguration
	case ActionAuthFailure, ActionAuthSuccess:
		cat = CategoryAuthentication
	case ActionAccessDenied:
		cat = CategoryAuthorization
	}
	if !e.Success {
		sev = SeverityWarning
	}
	if e.Category == "" {
		e.Category = cat
	}
	if e.Severity == "" {
		e.Severity = sev
	}
	return e
}
