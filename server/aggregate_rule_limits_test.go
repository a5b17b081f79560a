package server

import (
	"strings"
	"testing"
)

// The Krum family's n×n distance matrix is costed before the work: 5,000 one-element
// gradients (30 kB of JSON) would need 200 MB with method=krum, over the per-request limit,
// and are refused naming the method; the coordinate-wise median of the same input is cheap.
func TestAggregateRuleCostRefusesHugeKrumFamily(t *testing.T) {
	app, _ := testApp(t, nil)
	var b strings.Builder
	b.WriteString(`{"gradients":[`)
	for i := 0; i < 5000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("[0.5]")
	}
	for method, want := range map[string]int{"krum": 422, "bulyan": 422, "multi-krum": 422, "median": 200, "fedavg": 200} {
		body := b.String() + `],"method":"` + method + `"}`
		rec := call(app.Handler(), "POST", "/federated/aggregate", body)
		if rec.Code != want {
			t.Errorf("%s: %d %.300s, want %d", method, rec.Code, rec.Body.String(), want)
			continue
		}
		if want == 422 {
			is := issues(t, rec)
			if len(is) == 0 || is[0].Loc[1] != "method" || !strings.Contains(is[0].Msg, "MFN_AGGREGATE_MAX_BYTES") {
				t.Errorf("%s: issues %+v", method, is)
			}
		}
	}
}
