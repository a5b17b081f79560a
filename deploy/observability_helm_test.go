package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// markedBlocks returns the fenced blocks of docs/observability.md that follow a
// `<!-- kind name=NAME … -->` marker, by name.
func markedBlocks(t *testing.T, kind string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../docs/observability.md")
	if err != nil {
		t.Fatal(err)
	}
	marker := regexp.MustCompile(`^<!-- ` + kind + ` name=([a-z0-9-]+)`)
	lines := strings.Split(string(b), "\n")
	out := map[string]string{}
	for i := 0; i < len(lines); i++ {
		m := marker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			t.Fatalf("marker %q is not followed by a fenced block", lines[i])
		}
		j := i + 2
		for ; j < len(lines) && !strings.HasPrefix(lines[j], "```"); j++ {
		}
		out[m[1]] = strings.Join(lines[i+2:j], "\n")
		i = j
	}
	return out
}

// TestObservabilityHelmSnippets renders the chart with each Helm snippet of
// docs/observability.md (and the worker on) and checks that the snippet's variables reach both
// containers in order, that every $(VAR) refers to a variable defined before it in the same
// container (Kubernetes expands nothing else), that the OTEL_* variables are those of the
// page's environment block of the same name, and that extra egress rules reach the
// NetworkPolicy.
func TestObservabilityHelmSnippets(t *testing.T) {
	snippets := markedBlocks(t, "helm-values")
	envs := markedBlocks(t, "otlp-env")
	if len(snippets) < 3 {
		t.Fatalf("%d helm-values snippets in docs/observability.md, want one per backend family", len(snippets))
	}
	dir := t.TempDir()
	worker := filepath.Join(dir, "worker.yaml")
	if err := os.WriteFile(worker, []byte("worker: {enabled: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := regexp.MustCompile(`\$\(([A-Za-z0-9_]+)\)`)
	for name, snippet := range snippets {
		t.Run(name, func(t *testing.T) {
			var values struct {
				Serve, Worker struct {
					ExtraEnv []map[string]any `yaml:"extraEnv"`
				}
				NetworkPolicy struct {
					ExtraEgress []any `yaml:"extraEgress"`
				} `yaml:"networkPolicy"`
			}
			if err := yaml.Unmarshal([]byte(snippet), &values); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, name+".yaml")
			if err := os.WriteFile(file, []byte(snippet), 0o644); err != nil {
				t.Fatal(err)
			}
			objs := helmTemplate(t, worker, file)
			checkWorkloads(t, objs)
			for _, c := range []struct {
				object string
				want   []map[string]any
			}{{"Deployment/mfn", values.Serve.ExtraEnv}, {"StatefulSet/mfn-worker", values.Worker.ExtraEnv}} {
				if len(c.want) == 0 {
					t.Errorf("%s: the snippet sets no extraEnv for it", c.object)
					continue
				}
				env, _ := get(objs[c.object], "spec", "template", "spec", "containers", 0, "env").([]any)
				defined := map[string]bool{}
				next := 0 // the snippet's entries appear in order
				otel := map[string]string{}
				for _, e := range env {
					n, v := str(e, "name"), str(e, "value")
					for _, m := range ref.FindAllStringSubmatch(v, -1) {
						if !defined[m[1]] {
							t.Errorf("%s: %s=%q refers to $(%s), not defined before it (Kubernetes leaves it unexpanded)", c.object, n, v, m[1])
						}
					}
					defined[n] = true
					if next < len(c.want) && c.want[next]["name"] == n {
						next++
					}
					if strings.HasPrefix(n, "OTEL_") && n != "OTEL_SERVICE_NAME" {
						otel[n] = ref.ReplaceAllString(v, "$${$1}")
					}
				}
				if next != len(c.want) {
					t.Errorf("%s: extraEnv entry %v is missing from the rendered env %v", c.object, c.want[next], env)
				}
				// The same OTEL_* variables as the documented environment block.
				block, ok := envs[name]
				if !ok {
					t.Fatalf("no otlp-env block %q beside the helm-values snippet of that name", name)
				}
				documented := map[string]string{}
				for line := range strings.SplitSeq(block, "\n") {
					k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "export "), "=")
					if !ok {
						continue
					}
					if uq, err := strconv.Unquote(v); err == nil {
						v = uq
					}
					documented[k] = v
				}
				for k, v := range documented {
					if otel[k] != v {
						t.Errorf("%s: %s=%q, the environment block %s says %q", c.object, k, otel[k], name, v)
					}
				}
				for k := range otel {
					if _, ok := documented[k]; !ok {
						t.Errorf("%s: %s is set by the snippet but not in the environment block %s", c.object, k, name)
					}
				}
			}
			if n := len(values.NetworkPolicy.ExtraEgress); n > 0 {
				egress, _ := get(objs["NetworkPolicy/mfn"], "spec", "egress").([]any)
				if len(egress) < n+1 {
					t.Errorf("NetworkPolicy egress has %d rules, want the DNS rule, the defaults and %d extra", len(egress), n)
				}
			}
		})
	}
}
