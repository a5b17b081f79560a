package server

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestSummaryNamesTheDevKey: with no key configured in dev, the summary says the only key is
// the built-in one instead of counting it as "from the environment".
func TestSummaryNamesTheDevKey(t *testing.T) {
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if s := Summary(cfg); !strings.Contains(s, `none configured: the built-in dev key "dev-key-for-testing" only`) || strings.Contains(s, "from the environment") {
		t.Errorf("summary: %s", s)
	}
	cfg, err = LoadConfig(func(k string) string { return map[string]string{"MFN_API_KEYS": "a,b"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if s := Summary(cfg); !strings.Contains(s, "2 from the environment") {
		t.Errorf("summary with keys: %s", s)
	}
}

// TestMetricsBucketLabelsAreShort: every histogram bound of /metrics prints as a short decimal
// (le="0.3", not le="0.30000000000000004").
func TestMetricsBucketLabelsAreShort(t *testing.T) {
	m := NewMetrics()
	m.fractalDimension.Observe(1.5)
	rec := httptest.NewRecorder()
	m.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if !strings.Contains(body, `mfn_fractal_dimension_bucket{le="0.3"}`) {
		t.Errorf("no le=\"0.3\" bucket in:\n%s", body)
	}
	for _, m := range regexp.MustCompile(`le="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if len(m[1]) > 6 {
			t.Errorf("bucket label le=%q", m[1])
		}
	}
}
