package cli

import (
	"context"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"mfn/dataset"
	"mfn/grpcapi"
	"mfn/integration"
	"mfn/server"
)

// docSection returns the lines of the page's "## title" section.
func docSection(t *testing.T, title string) []string {
	t.Helper()
	b, err := os.ReadFile(observabilityDoc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := false
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			in = line == "## "+title
			continue
		}
		if in {
			out = append(out, line)
		}
	}
	if out == nil {
		t.Fatalf("%s has no section %q", observabilityDoc, title)
	}
	return out
}

var fqNameRE = regexp.MustCompile(`fqName: "([^"]+)"`)

// describedNames are the metric names a registry describes: every registered metric,
// including vectors with no series yet (which a scrape would not show).
func describedNames(reg *prometheus.Registry) []string {
	ch := make(chan *prometheus.Desc)
	go func() { reg.Describe(ch); close(ch) }()
	var names []string
	for d := range ch {
		// Desc has no accessor for its name; its String() is stable: Desc{fqName: "…", …}.
		if m := fqNameRE.FindStringSubmatch(d.String()); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}

// registeredMetrics is every metric mfn serve (with integrations, gRPC and a Redis limiter),
// mfn worker and mfn dataset --shard register, without the standard go_*/process_* families.
func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	env := map[string]string{"MFN_RATE_LIMIT_ENABLED": "true", "MFN_RATE_LIMIT_REDIS_URL": "redis://127.0.0.1:1/0"}
	cfg, err := server.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	app, err := server.Open(context.Background(), cfg, io.Discard, Version, server.WithIntegrations(integration.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, err := grpcapi.New(app.Transport()); err != nil { // registers the gRPC server metrics
		t.Fatal(err)
	}
	names := describedNames(app.Metrics().Registry())

	// The worker's registry, built as runWorker builds it.
	wreg := prometheus.NewRegistry()
	hub, err := integration.Open(integration.Config{}, wreg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close(context.Background())
	server.NewSimulationMetrics(wreg, "worker")
	names = append(names, describedNames(wreg)...)
	names = append(names, describedNames(newShardGauges(&dataset.Plan{Name: "d"}, nil).reg)...)

	out := map[string]bool{}
	for _, n := range names {
		if !strings.HasPrefix(n, "go_") && !strings.HasPrefix(n, "process_") {
			out[n] = true
		}
	}
	return out
}

// TestObservabilityDocMetrics: the page's metric table names exactly the metrics the code
// registers.
func TestObservabilityDocMetrics(t *testing.T) {
	row := regexp.MustCompile("^\\| `([a-z_:]+)` \\|")
	documented := map[string]bool{}
	for _, line := range docSection(t, "Metrics") {
		if m := row.FindStringSubmatch(line); m != nil {
			if documented[m[1]] {
				t.Errorf("metric %s is documented twice", m[1])
			}
			documented[m[1]] = true
		}
	}
	code := registeredMetrics(t)
	if len(code) < 30 {
		t.Fatalf("only %d metrics found in the registries: %v", len(code), code)
	}
	for n := range code {
		if !documented[n] {
			t.Errorf("metric %s is registered but not in docs/observability.md's table", n)
		}
	}
	for n := range documented {
		if !code[n] {
			t.Errorf("docs/observability.md documents %s, which no process registers", n)
		}
	}
}

// TestObservabilityDocAlerts: every alert of deploy/prometheus/mfn-alerts.yaml has a "###"
// entry in the page's Alerts section saying what it means and what to do, and every entry is
// an alert.
func TestObservabilityDocAlerts(t *testing.T) {
	b, err := os.ReadFile("../../deploy/prometheus/mfn-alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	var alerts []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts = append(alerts, r.Alert)
			}
		}
	}
	if len(alerts) == 0 {
		t.Fatal("no alerts in mfn-alerts.yaml")
	}
	documented := map[string]int{} // name → words of its explanation
	var current string
	for _, line := range docSection(t, "Alerts") {
		if name, ok := strings.CutPrefix(line, "### "); ok {
			current = strings.TrimSpace(name)
			documented[current] = 0
			continue
		}
		if current != "" {
			documented[current] += len(strings.Fields(line))
		}
	}
	for _, a := range alerts {
		words, ok := documented[a]
		switch {
		case !ok:
			t.Errorf("alert %s is not documented in docs/observability.md", a)
		case words < 15:
			t.Errorf("alert %s: %d words of explanation; say what it means and what to do", a, words)
		}
	}
	for d := range documented {
		if !slices.Contains(alerts, d) {
			t.Errorf("docs/observability.md documents alert %s, which mfn-alerts.yaml does not define", d)
		}
	}
}
