package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mfn/integration"
	"mfn/internal/otlptest"
	"mfn/server"
)

// observabilityDoc is the operator's page whose configuration blocks these tests run.
const observabilityDoc = "../../docs/observability.md"

// envBlock is one `<!-- otlp-env name=… process=… -->` block of the page.
type envBlock struct {
	name      string
	processes []string
	vars      []envVar // in the block's order, ${VAR} expanded with test values
}

type envVar struct{ key, value string }

func (b envBlock) get(key string) string {
	for _, v := range b.vars {
		if v.key == key {
			return v.value
		}
	}
	return ""
}

// first returns the first non-empty of the variables (the signal-specific one first).
func (b envBlock) first(keys ...string) string {
	for _, k := range keys {
		if v := b.get(k); v != "" {
			return v
		}
	}
	return ""
}

var (
	markerRE = regexp.MustCompile(`^<!-- (otlp-env|helm-values) (.*?) ?-->$`)
	shellVar = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)
)

// docBlocks returns the fenced blocks that follow a marker of kind in the page, with the
// marker's key=value attributes.
func docBlocks(t *testing.T, path, kind string) (blocks []struct {
	attrs map[string]string
	body  string
}) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		m := markerRE.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil || m[1] != kind {
			continue
		}
		attrs := map[string]string{}
		for f := range strings.FieldsSeq(m[2]) {
			k, v, _ := strings.Cut(f, "=")
			attrs[k] = v
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			t.Fatalf("%s:%d: marker %q is not followed by a fenced block", path, i+1, lines[i])
		}
		var body []string
		j := i + 2
		for ; j < len(lines) && !strings.HasPrefix(lines[j], "```"); j++ {
			body = append(body, lines[j])
		}
		blocks = append(blocks, struct {
			attrs map[string]string
			body  string
		}{attrs, strings.Join(body, "\n")})
		i = j
	}
	return blocks
}

// testSecret is the value a test gives a ${VAR} the page leaves to the operator.
func testSecret(name string) string {
	if strings.HasSuffix(name, "_IP") {
		return "10.1.2.3"
	}
	return "test-" + strings.ToLower(strings.ReplaceAll(name, "_", "-")) + "-0123456789"
}

// envBlocks parses the page's otlp-env blocks: `export KEY=VALUE` lines, values optionally in
// double quotes, ${VAR} expanded as a shell would (with testSecret values).
func envBlocks(t *testing.T) []envBlock {
	t.Helper()
	var out []envBlock
	for _, raw := range docBlocks(t, observabilityDoc, "otlp-env") {
		b := envBlock{name: raw.attrs["name"], processes: strings.Split(raw.attrs["process"], ",")}
		for line := range strings.SplitSeq(raw.body, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			if !ok || !strings.HasPrefix(k, "OTEL_") {
				t.Fatalf("block %s: %q is not `export OTEL_…=value`", b.name, line)
			}
			if uq, err := strconv.Unquote(v); err == nil {
				v = uq
			}
			v = shellVar.ReplaceAllStringFunc(v, func(s string) string { return testSecret(s[2 : len(s)-1]) })
			b.vars = append(b.vars, envVar{k, v})
		}
		if b.name == "" || len(b.vars) == 0 {
			t.Fatalf("an otlp-env block without a name or variables: %+v", raw)
		}
		out = append(out, b)
	}
	return out
}

// TestObservabilityDocEnvBlocks runs every documented environment block against a real OTLP
// receiver: only the endpoint's host:port is changed (to the receiver's; TLS where the block
// says https, with a test CA standing in for the public roots or the block's private CA), then
// the documented process's telemetry set-up runs with exactly that environment. Spans must
// arrive over the block's protocol and path, with its headers, service name and resource
// attributes, sampled as its sampler says.
func TestObservabilityDocEnvBlocks(t *testing.T) {
	blocks := envBlocks(t)
	seen := map[string]bool{}
	for _, b := range blocks {
		seen[b.name] = true
	}
	for _, want := range []string{"datadog-agent", "datadog-intake", "newrelic-http", "newrelic-grpc", "tempo", "tempo-tls", "grafana-cloud", "jaeger-serve", "jaeger-worker"} {
		if !seen[want] {
			t.Errorf("docs/observability.md has no otlp-env block %q", want)
		}
	}
	serverTLS, caFile := testCA(t)
	for _, b := range blocks {
		for _, process := range b.processes {
			t.Run(b.name+"/"+process, func(t *testing.T) { checkEnvBlock(t, b, process, serverTLS, caFile) })
		}
	}
}

func checkEnvBlock(t *testing.T, b envBlock, process string, serverTLS *tls.Config, caFile string) {
	endpointKey := "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	endpoint := b.get(endpointKey)
	if endpoint == "" {
		endpointKey, endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT", b.get("OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		t.Fatalf("%s=%q: not a URL", endpointKey, endpoint)
	}
	tlsOn := u.Scheme == "https"
	var rcv *otlptest.OnePort
	if tlsOn {
		rcv = otlptest.StartOnePort(t, serverTLS)
	} else {
		rcv = otlptest.StartOnePort(t, nil)
	}
	env := map[string]string{}
	for _, v := range b.vars {
		env[v.key] = v.value
	}
	u.Host = strings.TrimPrefix(strings.TrimPrefix(rcv.Endpoint, "https://"), "http://")
	env[endpointKey] = u.String()
	if tlsOn {
		// The block's private CA (its file) or, for a public endpoint, the system roots: the
		// test CA stands in for either.
		env["OTEL_EXPORTER_OTLP_CERTIFICATE"] = caFile
	}
	env["OTEL_BSP_SCHEDULE_DELAY"] = "20" // batching only: the test need not wait 5 s
	for k, v := range env {               // the exporters and the SDK read the process environment
		t.Setenv(k, v)
	}
	getenv := func(k string) string { return env[k] }

	const traceID, parentID = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
	const unsampledTrace = "6e0c63257de34c92bf9efcd03927272e"
	const roots = 200
	spanName := "GET /health"
	switch process {
	case "serve":
		runServeTelemetry(t, getenv, traceID, parentID, unsampledTrace, roots)
	case "worker":
		spanName = "worker.simulate"
		runWorkerTelemetry(t, getenv, traceID, parentID, unsampledTrace, roots)
	default:
		t.Fatalf("block %s: process %q (want serve or worker)", b.name, process)
	}
	spans, ok := rcv.WaitFor(10*time.Second, func(s []otlptest.Span) bool {
		for _, sp := range s {
			if sp.TraceID == traceID {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("the span continuing the sampled trace never arrived; exports: %+v", rcv.Exports())
	}

	// Protocol, path, TLS and headers of what was sent.
	protocol := b.first("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
	if protocol == "" {
		protocol = "http/protobuf"
	}
	wantPath := "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
	if protocol == "http/protobuf" {
		wantPath = u.Path
		if endpointKey == "OTEL_EXPORTER_OTLP_ENDPOINT" {
			wantPath = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
		}
	}
	headers := map[string]string{}
	if h := b.first("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"); h != "" {
		for pair := range strings.SplitSeq(h, ",") {
			k, v, _ := strings.Cut(pair, "=")
			dv, err := url.PathUnescape(v)
			if err != nil {
				t.Fatalf("header %s=%q: %v", k, v, err)
			}
			headers[strings.TrimSpace(k)] = strings.TrimSpace(dv)
		}
	}
	exports := rcv.Exports()
	if len(exports) == 0 {
		t.Fatal("no export request recorded")
	}
	for _, e := range exports {
		if e.Protocol != protocol || e.Path != wantPath || e.TLS != tlsOn {
			t.Errorf("export over %s to %s (TLS %v), want %s to %s (TLS %v)", e.Protocol, e.Path, e.TLS, protocol, wantPath, tlsOn)
		}
		for k, v := range headers {
			if got := e.Header.Get(k); got != v {
				t.Errorf("header %s: got %q, want %q", k, got, v)
			}
		}
	}
	if strings.Contains(b.get("OTEL_EXPORTER_OTLP_COMPRESSION"), "gzip") && protocol == "http/protobuf" {
		for _, e := range exports {
			if e.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("OTEL_EXPORTER_OTLP_COMPRESSION=gzip, but an export came with Content-Encoding %q", e.Header.Get("Content-Encoding"))
			}
		}
	}

	// Service name and resource attributes.
	attrs := map[string]string{}
	if ra := b.get("OTEL_RESOURCE_ATTRIBUTES"); ra != "" {
		for pair := range strings.SplitSeq(ra, ",") {
			k, v, _ := strings.Cut(pair, "=")
			attrs[k] = v
		}
	}
	wantService := map[string]string{"serve": "mfn", "worker": workerService}[process]
	if s := attrs["service.name"]; s != "" {
		wantService = s
	}
	if s := b.get("OTEL_SERVICE_NAME"); s != "" {
		wantService = s
	}
	var continued, unsampled, rootCount int
	for _, sp := range spans {
		if sp.Service != wantService || sp.Resource["service.version"] != Version {
			t.Errorf("span %s: service %q version %q, want %q %q", sp.Name, sp.Service, sp.Resource["service.version"], wantService, Version)
		}
		for k, v := range attrs {
			if k != "service.name" && sp.Resource[k] != v {
				t.Errorf("span %s: resource %s=%q, want %q (OTEL_RESOURCE_ATTRIBUTES)", sp.Name, k, sp.Resource[k], v)
			}
		}
		switch {
		case sp.TraceID == traceID && sp.Name == spanName:
			continued++
			if sp.ParentSpanID != parentID {
				t.Errorf("span %s: parent %s, want the caller's %s", sp.Name, sp.ParentSpanID, parentID)
			}
		case sp.TraceID == unsampledTrace:
			unsampled++
		case sp.Name == spanName && sp.ParentSpanID == "":
			rootCount++
		}
	}
	if continued != 1 {
		t.Errorf("%d spans %q continue the sampled trace, want 1", continued, spanName)
	}
	// Sampling: the caller's decision is followed (parent-based samplers, the default
	// included); new traces are kept at the documented ratio.
	sampler := b.get("OTEL_TRACES_SAMPLER")
	if sampler == "" || strings.HasPrefix(sampler, "parentbased_") {
		if unsampled != 0 {
			t.Errorf("%d spans of a trace the caller did not sample were exported", unsampled)
		}
	}
	ratio := 1.0
	if strings.HasSuffix(sampler, "traceidratio") && b.get("OTEL_TRACES_SAMPLER_ARG") != "" {
		ratio, _ = strconv.ParseFloat(b.get("OTEL_TRACES_SAMPLER_ARG"), 64)
	}
	if ratio >= 1 {
		if rootCount != roots {
			t.Errorf("%d of %d new traces exported, want all (no ratio sampler)", rootCount, roots)
		}
	} else {
		// Binomial(roots, ratio): 5 standard deviations either side, and never none or all.
		mean, sd := roots*ratio, math.Sqrt(roots*ratio*(1-ratio))
		if rootCount == 0 || rootCount == roots || math.Abs(float64(rootCount)-mean) > 5*sd+1 {
			t.Errorf("%d of %d new traces exported, want about %.0f (OTEL_TRACES_SAMPLER_ARG=%g)", rootCount, roots, mean, ratio)
		}
	}
}

// runServeTelemetry opens `mfn serve`'s application with getenv, as the command does, sends
// one request continuing a sampled trace, one continuing an unsampled one and roots new
// ones, then closes it (which flushes the exporter).
func runServeTelemetry(t *testing.T, getenv func(string) string, traceID, parentID, unsampledTrace string, roots int) {
	cfg, err := server.LoadConfig(getenv)
	if err != nil {
		t.Fatalf("mfn serve refuses the block: %v", err)
	}
	if !cfg.Tracing.Enabled {
		t.Fatal("the block does not switch tracing on")
	}
	app, err := server.Open(context.Background(), cfg, io.Discard, Version)
	if err != nil {
		t.Fatal(err)
	}
	h := app.Handler()
	get := func(traceparent string) {
		r := httptest.NewRequest(http.MethodGet, "/health", nil)
		if traceparent != "" {
			r.Header.Set("traceparent", traceparent)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("/health: %d %s", w.Code, w.Body)
		}
	}
	get("00-" + traceID + "-" + parentID + "-01")
	get("00-" + unsampledTrace + "-" + parentID + "-00")
	for range roots {
		get("")
	}
	app.Close()
}

// runWorkerTelemetry sets up `mfn worker`'s tracing with getenv, as the command does, and
// runs messages through its traced process function.
func runWorkerTelemetry(t *testing.T, getenv func(string) string, traceID, parentID, unsampledTrace string, roots int) {
	tcfg, err := server.TracingFromEnv(getenv, workerService)
	if err != nil {
		t.Fatalf("mfn worker refuses the block: %v", err)
	}
	if !tcfg.Enabled {
		t.Fatal("the block does not switch tracing on")
	}
	ctx := context.Background()
	tr, err := server.NewTracing(ctx, tcfg, Version)
	if err != nil {
		t.Fatal(err)
	}
	process := tracedProcess(tr.Provider.Tracer("mfn/worker"), server.NewSimulationMetrics(prometheus.NewRegistry(), "worker"), "jobs",
		func(_ context.Context, m integration.Message) (integration.Message, error) {
			return integration.Message{Key: m.Key, Value: json.RawMessage(`{}`)}, nil
		})
	run := func(trace string) {
		if _, err := process(ctx, integration.Message{Key: "k", Value: json.RawMessage(`{}`), Trace: trace}); err != nil {
			t.Fatal(err)
		}
	}
	run("00-" + traceID + "-" + parentID + "-01")
	run("00-" + unsampledTrace + "-" + parentID + "-00")
	for range roots {
		run("")
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := tr.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
}

// testCA makes a CA and a server certificate for 127.0.0.1 signed by it, and writes the CA's
// PEM to a file (for OTEL_EXPORTER_OTLP_CERTIFICATE).
func testCA(t *testing.T) (*tls.Config, string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mfn test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, file
}

// TestObservabilityDocTLSIsEnforced: the TLS check of the env-block test can fail — a block
// whose https endpoint is served by a receiver with a certificate the exporter does not trust
// delivers nothing.
func TestObservabilityDocTLSIsEnforced(t *testing.T) {
	serverTLS, _ := testCA(t)
	_, otherCA := testCA(t)
	rcv := otlptest.StartOnePort(t, serverTLS)
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.Endpoint, "OTEL_EXPORTER_OTLP_CERTIFICATE": otherCA,
		"OTEL_BSP_SCHEDULE_DELAY": "20", "OTEL_EXPORTER_OTLP_TIMEOUT": "2000"}
	for k, v := range env {
		t.Setenv(k, v)
	}
	tcfg, err := server.TracingFromEnv(func(k string) string { return env[k] }, workerService)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := server.NewTracing(context.Background(), tcfg, Version)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Provider.Tracer("t").Start(context.Background(), "s")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = tr.Shutdown(ctx) // the export fails: an untrusted certificate
	if n := len(rcv.Spans()); n != 0 {
		t.Fatalf("%d spans arrived over TLS with an untrusted certificate", n)
	}
	if fmt.Sprint(rcv.Exports()) != "[]" {
		t.Fatalf("an export request got through the TLS handshake: %+v", rcv.Exports())
	}
}
