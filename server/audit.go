package server

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"

	"mfn/security"
)

// auditor writes security-relevant events — failed authentications, API and crypto key
// rotations (crypto key use is in derive.go) — as security.AuditEvent, the stable schema of
// docs/security.md, on the service's log, when MFN_CRYPTO_AUDIT_LOG is on. Never a key.
type auditor struct {
	log *slog.Logger
	on  bool
}

func (a auditor) record(ctx context.Context, ev security.AuditEvent) {
	if !a.on || a.log == nil {
		return
	}
	level := slog.LevelInfo
	if !ev.Success {
		level = slog.LevelWarn
	}
	a.log.LogAttrs(ctx, level, "audit", slog.Any("audit", security.Stamp(ev)))
}

// authFailure records a refused authentication: why (missing key, invalid key, too many
// failures from the address), from where, on which request.
func (a auditor) authFailure(r *http.Request, addr, reason string) {
	ev := security.AuditEvent{Action: security.ActionAuthFailure, Reason: reason, SourceIP: addr,
		Operation: r.Method + " " + r.URL.Path}
	if rec := recordOf(r.Context()); rec != nil {
		ev.RequestID = rec.id
	}
	a.record(r.Context(), ev)
}

// keyRotation records a reload that changed a key set: how many keys came and went.
func (a auditor) keyRotation(what string, before, after []string) {
	added, removed := 0, 0
	for _, id := range after {
		if !slices.Contains(before, id) {
			added++
		}
	}
	for _, id := range before {
		if !slices.Contains(after, id) {
			removed++
		}
	}
	if added == 0 && removed == 0 {
		return
	}
	a.record(context.Background(), security.AuditEvent{Action: security.ActionKeyRotation, Success: true,
		Operation: "reload", Details: map[string]string{"keys": what, "added": strconv.Itoa(added), "removed": strconv.Itoa(removed)}})
}

// fingerprints are the current API keys' fingerprints (for keyRotation).
func (k *APIKeys) fingerprints() []string { return slices.Clone(k.set.Load().ids) }
