package server

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A key past its expires= attribute is refused; the others keep working; the expiry of each
// key is exported for the MFNAPIKeysExpiring alert.
func TestAPIKeyExpiry(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	writeFile(t, file, "old-key-0123456789 id=old expires=2026-12-08T00:00:00Z\n"+
		"new-key-0123456789 id=new created=2026-12-07T00:00:00Z expires=2027-03-07T00:00:00Z\n")
	k, err := NewAPIKeys(true, []string{"env-key-0123456789"}, file)
	if err != nil {
		t.Fatal(err)
	}
	k.now = func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) }
	for _, key := range []string{"old-key-0123456789", "new-key-0123456789", "env-key-0123456789"} {
		if _, ok := k.Check(key); !ok {
			t.Errorf("%s refused before its expiry", key)
		}
	}
	k.now = func() time.Time { return time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC) }
	if _, ok := k.Check("old-key-0123456789"); ok {
		t.Error("an expired key was accepted")
	}
	if _, ok := k.Check("new-key-0123456789"); !ok {
		t.Error("a valid key was refused after another expired")
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(newKeyCollector(k))
	if n := testutil.CollectAndCount(reg, "mfn_api_key_expiry_timestamp_seconds"); n != 3 {
		t.Fatalf("%d series, want one per key (3)", n)
	}
	mfs, _ := reg.Gather()
	byID := map[string]float64{}
	for _, m := range mfs[0].Metric {
		for _, l := range m.Label {
			if l.GetName() == "id" {
				byID[l.GetValue()] = m.GetGauge().GetValue()
			}
		}
	}
	if byID["new"] != float64(time.Date(2027, 3, 7, 0, 0, 0, 0, time.UTC).Unix()) || !math.IsInf(byID[""], 1) {
		t.Errorf("expiry series %v", byID)
	}
	// A malformed attribute is an error naming the variable and the line; the keys stay.
	writeFile(t, file, "k-0123456789abcdef expires=soon\n")
	if _, err := k.Reload(); err == nil || !strings.Contains(err.Error(), "MFN_API_KEYS_FILE") || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad expires: %v", err)
	}
	if _, ok := k.Check("new-key-0123456789"); !ok {
		t.Error("a failed reload dropped the keys")
	}
}
