//go:build liveprom

// The dashboards and alert rules proven against the real thing: Debian's Prometheus scrapes a
// live `mfn serve` and `mfn worker` under a short load, then every dashboard query and every
// rule is evaluated through Prometheus's HTTP API. Run by .ci/steps/55-prometheus-live.sh:
//
//	go test -tags liveprom -run TestLivePrometheus -count=1 ./deploy/
package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLivePrometheus(t *testing.T) {
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus not found (Debian package prometheus; .ci/steps/55-prometheus-live.sh installs it): %v", err)
	}
	dir := t.TempDir()
	mfn := filepath.Join(dir, "mfn")
	build := exec.Command("go", "build", "-o", mfn, "./cmd/mfn")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// A webhook target that refuses every third batch: retries, send errors and batches.
	var hookCalls atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if hookCalls.Add(1)%3 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer hook.Close()

	inbox := filepath.Join(dir, "inbox")
	must(t, os.MkdirAll(inbox, 0o755))
	// serve and worker each get their own file (a spool belongs to one process).
	integrations := `spool_dir: @SPOOL@
connectors:
  - name: inbox
    type: file
    file: {dir: @INBOX@, pattern: "*.json", done_dir: @DONE@}
publishers:
  - name: hook
    type: webhook
    webhook: {url: @HOOK@, secret_env: MFN_WEBHOOK_SECRET, timeout: 2s}
    retry: {max_attempts: 5, initial: 20ms, max: 100ms, jitter: 0.1}
    batch: {size: 4, linger: 10ms}
  - name: archive
    type: file
    file: {dir: @OUT@, format: jsonl}
routes:
  - from: simulate
    to: [hook, archive]
  - from: inbox
    to: [hook, archive]
`
	r := strings.NewReplacer("@INBOX@", inbox, "@DONE@", filepath.Join(dir, "done"), "@HOOK@", hook.URL)
	integrations = r.Replace(integrations)
	cfgFile := filepath.Join(dir, "serve.yaml")
	workerCfg := filepath.Join(dir, "worker.yaml")
	must(t, os.WriteFile(cfgFile, []byte(strings.NewReplacer("@SPOOL@", dir+"/spool-serve", "@OUT@", dir+"/out-serve").Replace(integrations)), 0o644))
	must(t, os.WriteFile(workerCfg, []byte(strings.NewReplacer("@SPOOL@", dir+"/spool-worker", "@OUT@", dir+"/out-worker").Replace(integrations)), 0o644))

	servePort, workerPort, promPort := freePort(t), freePort(t), freePort(t)
	baseEnv := append(os.Environ(), "MFN_WEBHOOK_SECRET=live-test-secret")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := func(name string, env []string, args ...string) {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Env = env
		logf, err := os.Create(filepath.Join(dir, name+".log"))
		must(t, err)
		cmd.Stdout, cmd.Stderr = logf, logf
		must(t, cmd.Start())
		t.Cleanup(func() {
			cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
			logf.Close()
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("%s log (tail):\n%s", name, tail(b, 3000))
			}
		})
	}
	start("serve", append(baseEnv, "MFN_ENV=dev", "MFN_API_KEY_REQUIRED=true", "MFN_API_KEY=live-key",
		"MFN_RATE_LIMIT_ENABLED=true", "MFN_RATE_LIMIT_ROUTES=/nernst=5"),
		mfn, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", servePort), "--integrations", cfgFile)
	start("worker", baseEnv, mfn, "worker", "--integrations", workerCfg, "--connector", "inbox",
		"--metrics-addr", fmt.Sprintf("127.0.0.1:%d", workerPort))

	rules, err := filepath.Abs("prometheus/mfn-alerts.yaml")
	must(t, err)
	promCfg := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%s]
scrape_configs:
  - job_name: mfn-serve
    static_configs: [{targets: ["127.0.0.1:%d"]}]
  - job_name: mfn-worker
    static_configs: [{targets: ["127.0.0.1:%d"]}]
`, rules, servePort, workerPort)
	promFile := filepath.Join(dir, "prometheus.yml")
	must(t, os.WriteFile(promFile, []byte(promCfg), 0o644))
	promURL := fmt.Sprintf("http://127.0.0.1:%d", promPort)
	start("prometheus", os.Environ(), promBin, "--config.file="+promFile,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"), "--web.listen-address="+fmt.Sprintf("127.0.0.1:%d", promPort))

	serveURL := fmt.Sprintf("http://127.0.0.1:%d", servePort)
	waitHTTP(t, serveURL+"/health")
	waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", workerPort))
	waitHTTP(t, promURL+"/-/ready")

	// Load: good and bad requests, a rate-limited route, a stream, and worker jobs.
	post := func(path, body, key string) int {
		req, _ := http.NewRequest(http.MethodPost, serveURL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	statuses := map[int]int{}
	for round := 0; round < 3; round++ {
		for i := 0; i < 6; i++ {
			statuses[post("/simulate", fmt.Sprintf(`{"seed":%d,"grid_size":32,"steps":16}`, round*10+i), "live-key")]++
		}
		for i := 0; i < 8; i++ {
			statuses[post("/nernst", `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14}`, "live-key")]++
		}
		statuses[post("/simulate", `{"grid_size":5000}`, "live-key")]++
		statuses[post("/simulate", `{}`, "wrong-key")]++
		statuses[post("/validate", `{"seed":1,"epochs":1,"grid_size":32,"steps":16}`, "live-key")]++
		for i := 0; i < 4; i++ {
			job := fmt.Sprintf(`{"seed":%d,"grid_size":32,"steps":16,"turing_enabled":true}`, round*10+i)
			must(t, os.WriteFile(filepath.Join(inbox, fmt.Sprintf("job-%d-%d.json", round, i)), []byte(job), 0o644))
		}
		streamOnce(t, serveURL)
		time.Sleep(2 * time.Second)
	}
	t.Logf("load statuses: %v; webhook calls: %d", statuses, hookCalls.Load())
	for _, want := range []int{200, 401, 422, 429} {
		if statuses[want] == 0 {
			t.Errorf("the load produced no %d responses (%v): the panels that show them would be untested", want, statuses)
		}
	}
	time.Sleep(5 * time.Second) // a few more scrapes and rule evaluations

	exported := metricNames(t, promURL)
	t.Logf("%d metric names scraped", len(exported))

	// Every dashboard query: parses, names only exported metrics, and returns series.
	queries := dashboardQueries(t)
	if len(queries) < 20 {
		t.Fatalf("found %d dashboard queries; the dashboards have more", len(queries))
	}
	for _, q := range queries {
		for _, name := range metricsIn(q.expr) {
			if !exported[name] && !strings.HasPrefix(name, "mfn:") {
				t.Errorf("%s / %q names %s, which neither mfn serve nor mfn worker exports", q.file, q.panel, name)
			}
		}
		expr := strings.ReplaceAll(q.expr, "$__rate_interval", "15s")
		n, err := instantQuery(promURL, expr)
		if err != nil {
			t.Errorf("%s / %q: %v\n  %s", q.file, q.panel, err, expr)
			continue
		}
		if n == 0 {
			t.Errorf("%s / %q returns no series under load\n  %s", q.file, q.panel, expr)
		}
	}

	// Every rule: evaluated by Prometheus without error; every alert expression names only
	// exported metrics; the recording rules return series.
	var rulesResp struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name      string `json:"name"`
					Query     string `json:"query"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
					Type      string `json:"type"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	getJSON(t, promURL+"/api/v1/rules", &rulesResp)
	seen := 0
	for _, g := range rulesResp.Data.Groups {
		for _, r := range g.Rules {
			seen++
			if r.Health != "ok" {
				t.Errorf("rule %s/%s: health %q %s", g.Name, r.Name, r.Health, r.LastError)
			}
			for _, name := range metricsIn(r.Query) {
				if !exported[name] && !strings.HasPrefix(name, "mfn:") && name != "up" {
					t.Errorf("rule %s names %s, which neither mfn serve nor mfn worker exports", r.Name, name)
				}
			}
			if r.Type == "recording" {
				n, err := instantQuery(promURL, r.Name)
				if err != nil || n == 0 {
					t.Errorf("recording rule %s: %d series, %v", r.Name, n, err)
				}
			}
		}
	}
	if seen < 15 {
		t.Errorf("Prometheus loaded %d rules; mfn-alerts.yaml has 15", seen)
	}
	// Nothing is broken under this load, so no alert may be firing (except none).
	n, err := instantQuery(promURL, `ALERTS{alertstate="firing"}`)
	if err != nil || n != 0 {
		t.Errorf("firing alerts under a healthy load: %d (%v)", n, err)
	}
}

// streamOnce reads a few frames of the SSE simulation stream.
func streamOnce(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
		base+"/sse/simulation_live?seed=1&grid_size=32&steps=8&update_interval_ms=10", nil)
	req.Header.Set("X-API-Key", "live-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("SSE: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("SSE: %d %s", resp.StatusCode, b)
	}
	io.Copy(io.Discard, resp.Body) // until the stream ends or the deadline passes
}

type dashQuery struct{ file, panel, expr string }

func dashboardQueries(t *testing.T) []dashQuery {
	files, err := filepath.Glob("grafana/*.json")
	must(t, err)
	var out []dashQuery
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err)
		var d struct {
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				out = append(out, dashQuery{filepath.Base(f), p.Title, tg.Expr})
			}
		}
	}
	return out
}

var (
	identRe = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	// PromQL words that are not metric names.
	promqlWords = map[string]bool{"sum": true, "by": true, "rate": true, "histogram_quantile": true, "or": true,
		"and": true, "vector": true, "max": true, "min": true, "deriv": true, "without": true, "le": true,
		"on": true, "ignoring": true, "avg": true, "count": true, "increase": true, "unless": true}
)

// metricsIn returns the metric names an expression selects: identifiers outside braces and
// strings that are not PromQL words or label names of a by/without clause.
func metricsIn(expr string) []string {
	var clean strings.Builder
	depthBrace := 0
	inStr := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case inStr:
			if c == '"' {
				inStr = false
			}
			clean.WriteByte(' ')
		case c == '"':
			inStr = true
			clean.WriteByte(' ')
		case c == '{':
			depthBrace++
			clean.WriteByte(' ')
		case c == '}':
			depthBrace--
			clean.WriteByte(' ')
		case c == '[':
			// a range: skip to ']'
			for i < len(expr) && expr[i] != ']' {
				i++
			}
			clean.WriteByte(' ')
		default:
			if depthBrace > 0 {
				clean.WriteByte(' ')
			} else {
				clean.WriteByte(c)
			}
		}
	}
	s := clean.String()
	// Drop the label lists of by (...) and without (...).
	byRe := regexp.MustCompile(`\b(by|without|on|ignoring)\s*\([^)]*\)`)
	s = byRe.ReplaceAllString(s, " ")
	set := map[string]bool{}
	for _, loc := range identRe.FindAllStringIndex(s, -1) {
		id := s[loc[0]:loc[1]]
		rest := strings.TrimLeft(s[loc[1]:], " \t\n")
		if promqlWords[id] || id[0] >= '0' && id[0] <= '9' || strings.HasPrefix(rest, "(") {
			continue // a keyword, a number or a function call
		}
		set[id] = true
	}
	var out []string
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func metricNames(t *testing.T, prom string) map[string]bool {
	var r struct {
		Data []string `json:"data"`
	}
	getJSON(t, prom+"/api/v1/label/__name__/values", &r)
	out := map[string]bool{}
	for _, n := range r.Data {
		out[n] = true
	}
	return out
}

func instantQuery(prom, expr string) (int, error) {
	resp, err := http.Get(prom + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, err
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("prometheus: %s", r.Error)
	}
	return len(r.Data.Result), nil
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v: %s", u, err, tail(b, 500))
	}
}

func waitHTTP(t *testing.T, u string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within 60 s", u)
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
