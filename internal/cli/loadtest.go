package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(command{
		name:    "loadtest",
		summary: "drive a running mfn server (or, with --kafka/--publisher, a worker through Kafka and the publishers) and print throughput and latency percentiles",
		run:     runLoadtest,
	})
}

// loadtestBodies are the default request bodies: the reference's load-test requests.
var loadtestBodies = map[string]string{
	"/nernst":   `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}`,
	"/simulate": `{"seed":42,"grid_size":64,"steps":64}`,
	"/validate": `{"seed":42,"epochs":1,"batch_size":4,"grid_size":32,"steps":32}`,
	"/federated/aggregate": `{"gradients":[[0.35,0.82,0.33,-1.3,0.91],[0.45,-0.54,0.58,0.36,0.29],[0.03,0.55,-0.74,-0.16,-0.48],` +
		`[0.6,0.04,-0.29,-0.78,-0.26],[0.01,-0.28,1.29,1.01,-2.71],[-1.89,-0.17,-0.42,0.21,0.22]],"num_clusters":2,"byzantine_fraction":0.2}`,
	"/api/encrypt": `{"plaintext":"aGVsbG8gd29ybGQ="}`,
	"/api/sign":    `{"message":"aGVsbG8gd29ybGQ="}`,
}

type loadtestFlags struct {
	url, endpoint, method, body, apiKey, format string
	concurrency, requests                       int
	duration, timeout                           time.Duration
	insecure                                    bool
	// --ws: streaming clients instead of requests (loadtest_ws.go).
	ws         bool
	wsStream   string
	wsInterval int
	// --grpc: the same load over the gRPC API (loadtest_grpc.go).
	grpc       bool
	grpcTarget *grpcTarget
}

func runLoadtest(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "loadtest", "loadtest --url URL --endpoint PATH [--concurrency N] [--duration D]\n"+
		"       mfn loadtest --kafka [--kafka-brokers ADDRS] [--publisher kafka|webhook] [--requests N] [--rate R] [--concurrency N]\n"+
		"       mfn loadtest --publisher kafka|webhook [--kafka-brokers ADDRS] [--requests N]")
	var f loadtestFlags
	fs.StringVar(&f.url, "url", "http://127.0.0.1:8000", "base URL of the server")
	fs.StringVar(&f.endpoint, "endpoint", "/health", "path to request")
	fs.StringVar(&f.method, "method", "", "HTTP method (default: GET for /health, /ready, /metrics, /docs, /openapi.json; POST otherwise)")
	fs.StringVar(&f.body, "body", "", "request body (default: the reference load test's body for the endpoint)")
	fs.StringVar(&f.apiKey, "api-key", "", "X-API-Key to send (default: $MFN_LOADTEST_API_KEY)")
	fs.IntVar(&f.concurrency, "concurrency", 4, "concurrent connections, each sending requests back to back")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long to run")
	fs.IntVar(&f.requests, "requests", 0, "stop after this many requests (0: no limit)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.StringVar(&f.format, "format", "text", "output format: text or json")
	fs.BoolVar(&f.insecure, "insecure", false, "https: do not verify the server's certificate (self-signed test servers)")
	fs.BoolVar(&f.ws, "ws", false, "WebSocket mode: --concurrency clients each subscribe to --stream for --duration")
	fs.StringVar(&f.wsStream, "stream", "stream_features", "with --ws: stream_features or simulation_live")
	fs.IntVar(&f.wsInterval, "interval", 100, "with --ws: update_interval_ms of each stream")
	overhead := fs.Int("overhead", 0, "run N rounds alternating an in-process full service and a bare net/http handler that writes the same bytes, and print the ratio (ignores --url)")
	fs.BoolVar(&f.grpc, "grpc", false, "gRPC mode: --url is the gRPC address (host:port; https:// for TLS), --endpoint a method (Simulate, StreamSimulation, …) or its REST path, --body protojson; a stream counts as one request, read to its end")
	kf := addKafkaLoadFlags(fs) // loadtest_kafka.go
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if kf.active() {
		return runKafkaLoadtest(ctx, env, f, kf)
	}
	if err := f.check(env); err != nil {
		return err
	}
	if *overhead != 0 {
		return runOverhead(ctx, env, f, *overhead)
	}
	if f.ws {
		return runWSLoadtest(ctx, env, f)
	}
	res, err := loadtest(ctx, f)
	if res == nil || (err != nil && res.Requests == 0) {
		return err // nothing answered: the error alone says it
	}
	if rerr := report(env, f.format, res); rerr != nil {
		return rerr
	}
	if err != nil {
		return err
	}
	if res.Errors > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d requests failed or were answered with an error status", res.Errors, res.Requests+res.Failed)}
	}
	return nil
}

func (f *loadtestFlags) check(env *Env) error {
	if err := oneOf("format", f.format, "text", "json"); err != nil {
		return err
	}
	if f.concurrency < 1 || f.concurrency > 10000 {
		return fmt.Errorf("%w: --concurrency=%d: must be in [1, 10000]", errUsage, f.concurrency)
	}
	if f.duration <= 0 || f.duration > 24*time.Hour {
		return fmt.Errorf("%w: --duration=%v: must be in (0, 24h]", errUsage, f.duration)
	}
	if f.requests < 0 {
		return fmt.Errorf("%w: --requests=%d: must be >= 0", errUsage, f.requests)
	}
	if f.grpc {
		if f.ws {
			return fmt.Errorf("%w: --grpc and --ws exclude each other (gRPC streams: --grpc --endpoint StreamSimulation)", errUsage)
		}
		t, err := grpcTargetOf(f)
		if err != nil {
			return err
		}
		f.grpcTarget, f.method = t, "gRPC"
		if f.apiKey == "" {
			f.apiKey = env.Getenv("MFN_LOADTEST_API_KEY")
		}
		return nil
	}
	if !strings.HasPrefix(f.url, "http://") && !strings.HasPrefix(f.url, "https://") {
		return fmt.Errorf("%w: --url=%q: must start with http:// or https://", errUsage, f.url)
	}
	if !strings.HasPrefix(f.endpoint, "/") {
		return fmt.Errorf("%w: --endpoint=%q: must be a path starting with /", errUsage, f.endpoint)
	}
	if f.method == "" {
		f.method = http.MethodPost
		if slices.Contains([]string{"/health", "/ready", "/metrics", "/docs", "/openapi.json"}, f.endpoint) {
			f.method = http.MethodGet
		}
	}
	if f.body == "" && f.method == http.MethodPost {
		f.body = loadtestBodies[f.endpoint]
		if f.body == "" {
			f.body = "{}"
		}
	}
	if f.apiKey == "" {
		f.apiKey = env.Getenv("MFN_LOADTEST_API_KEY")
	}
	return nil
}

// loadtestResult is what one run measured.
type loadtestResult struct {
	URL         string             `json:"url"`
	Method      string             `json:"method"`
	Concurrency int                `json:"concurrency"`
	Seconds     float64            `json:"seconds"`
	Requests    int                `json:"requests"` // answered, whatever the status
	Failed      int                `json:"failed"`   // no answer (connection errors, timeouts)
	Errors      int                `json:"errors"`   // failed, or answered with a status >= 400
	Statuses    map[string]int     `json:"statuses"`
	RPS         float64            `json:"requests_per_second"`
	LatencyMS   map[string]float64 `json:"latency_ms"`
	FirstError  string             `json:"first_error,omitempty"`
}

type workerStats struct {
	lat      []time.Duration // of the requests that got a response
	statuses map[int]int
	errs     int // responses >= 400 and requests without a response
	failed   int // requests without a response
	firstErr error
}

func loadtest(ctx context.Context, f loadtestFlags) (*loadtestResult, error) {
	if f.grpcTarget != nil {
		return runLoad(ctx, f, f.grpcTarget.addr+f.grpcTarget.fullName, func() requester { return newGRPCRequester(f.grpcTarget, f) })
	}
	target := strings.TrimSuffix(f.url, "/") + f.endpoint
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("%w: --url/--endpoint: %v", errUsage, err)
	}
	newClient := func() requester { return newRawRequester(u, f) }
	if u.Scheme == "https" {
		tr := &http.Transport{MaxIdleConnsPerHost: f.concurrency, MaxConnsPerHost: f.concurrency, DisableCompression: true,
			TLSClientConfig: &tls.Config{InsecureSkipVerify: f.insecure}}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr, Timeout: f.timeout}
		newClient = func() requester { return &stdRequester{client: client, f: f, target: target} }
	}
	return runLoad(ctx, f, target, newClient)
}

// runLoad runs --concurrency workers, each with its own requester, for the run's duration or
// request budget.
func runLoad(ctx context.Context, f loadtestFlags, target string, newClient func() requester) (*loadtestResult, error) {
	end := time.Now().Add(f.duration)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()

	var budget chan struct{}
	if f.requests > 0 {
		budget = make(chan struct{}, f.requests)
		for range f.requests {
			budget <- struct{}{}
		}
		close(budget)
	}
	// A run stops at the first sign that the server cannot be reached: every connection failed
	// before any answer, or maxFailuresInARow requests in a row got no answer (it went away).
	var answered, inARow atomic.Int64
	var abortOnce sync.Once
	var abortErr error
	failed := func(err error) {
		n := inARow.Add(1)
		if (answered.Load() == 0 && n >= int64(f.concurrency)) || n >= maxFailuresInARow {
			abortOnce.Do(func() {
				abortErr = fmt.Errorf("stopped after %d requests in a row got no answer from %s: %w", n, target, err)
				cancel()
			})
		}
	}
	stats := make([]workerStats, f.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range stats {
		wg.Add(1)
		go func(st *workerStats) {
			defer wg.Done()
			c := newClient()
			defer c.close()
			st.statuses = map[int]int{}
			for ctx.Err() == nil && time.Now().Before(end) {
				if budget != nil {
					if _, ok := <-budget; !ok {
						return
					}
				}
				t0 := time.Now()
				status, err := c.do(ctx)
				lat := time.Since(t0)
				if err != nil && (ctx.Err() != nil || !time.Now().Before(end)) {
					return // cut off by the end of the run, not a failure
				}
				if err != nil {
					st.errs++
					st.failed++
					if st.firstErr == nil {
						st.firstErr = err
					}
					failed(err)
					continue
				}
				answered.Add(1)
				inARow.Store(0)
				st.lat = append(st.lat, lat)
				st.statuses[status]++
				if status >= 400 {
					st.errs++
				}
			}
		}(&stats[w])
	}
	wg.Wait()
	elapsed := time.Since(start)
	return summarise(f, target, elapsed, stats), abortErr
}

// maxFailuresInARow ends a run whose server stopped answering.
const maxFailuresInARow = 100

// requester sends the run's request over one connection.
type requester interface {
	do(ctx context.Context) (status int, err error)
	close()
}

// stdRequester uses net/http (for https).
type stdRequester struct {
	client *http.Client
	f      loadtestFlags
	target string
}

func (s *stdRequester) do(ctx context.Context) (int, error) {
	var rd io.Reader
	if s.f.method != http.MethodGet {
		rd = strings.NewReader(s.f.body)
	}
	req, err := http.NewRequestWithContext(ctx, s.f.method, s.target, rd)
	if err != nil {
		return 0, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.f.apiKey != "" {
		req.Header.Set("X-API-Key", s.f.apiKey)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func (s *stdRequester) close() {}

// rawRequester speaks HTTP/1.1 over one kept-alive TCP connection with the request prepared
// once: a load generator must cost the machine far less than the server it measures (net/http's
// client costs about as much CPU per request as the server does).
type rawRequester struct {
	addr    string
	req     []byte
	timeout time.Duration
	conn    net.Conn
	br      *bufio.Reader
}

func newRawRequester(u *url.URL, f loadtestFlags) *rawRequester {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mfn-loadtest\r\n", f.method, u.RequestURI(), u.Host)
	if f.method != http.MethodGet {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(f.body))
	}
	if f.apiKey != "" {
		fmt.Fprintf(&b, "X-API-Key: %s\r\n", f.apiKey)
	}
	b.WriteString("\r\n")
	if f.method != http.MethodGet {
		b.WriteString(f.body)
	}
	return &rawRequester{addr: host, req: []byte(b.String()), timeout: f.timeout}
}

func (c *rawRequester) do(ctx context.Context) (int, error) {
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if c.conn == nil {
		conn, err := (&net.Dialer{Deadline: deadline}).DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 32<<10)
	}
	_ = c.conn.SetDeadline(deadline)
	if _, err := c.conn.Write(c.req); err != nil {
		c.close()
		return 0, err
	}
	status, keep, err := readResponse(c.br)
	if err != nil || !keep {
		c.close()
	}
	return status, err
}

func (c *rawRequester) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.br = nil, nil
	}
}

// readResponse reads one HTTP/1.1 response, discarding its body, and says whether the
// connection stays open.
func readResponse(br *bufio.Reader) (status int, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	keep, length, chunked := true, -1, false
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		if len(bytes.TrimSpace(h)) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, false, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		err = discardChunks(br)
	case length > 0:
		_, err = br.Discard(length)
	case length < 0 && status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified:
		_, err = io.Copy(io.Discard, br) // delimited by the end of the connection
		keep = false
	}
	return status, keep && err == nil, err
}

func discardChunks(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := strings.Cut(strings.TrimSpace(string(line)), ";")
		n, err := strconv.ParseInt(size, 16, 64)
		if err != nil {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, then the blank line
				t, err := br.ReadSlice('\n')
				if err != nil || len(bytes.TrimSpace(t)) == 0 {
					return err
				}
			}
		}
		if _, err := br.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}

func summarise(f loadtestFlags, target string, elapsed time.Duration, stats []workerStats) *loadtestResult {
	res := &loadtestResult{URL: target, Method: f.method, Concurrency: f.concurrency, Seconds: elapsed.Seconds(),
		Statuses: map[string]int{}, LatencyMS: map[string]float64{}}
	var all []time.Duration
	for _, st := range stats {
		all = append(all, st.lat...)
		res.Errors += st.errs
		res.Failed += st.failed
		for code, n := range st.statuses {
			res.Statuses[fmt.Sprint(code)] += n
		}
		if st.firstErr != nil && res.FirstError == "" {
			res.FirstError = st.firstErr.Error()
		}
	}
	res.Requests = len(all)
	if res.Requests == 0 {
		return res
	}
	res.RPS = float64(res.Requests) / elapsed.Seconds()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	ms := func(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }
	res.LatencyMS["mean"] = ms(sum / time.Duration(len(all)))
	for _, p := range []float64{50, 90, 95, 99, 99.9} {
		res.LatencyMS[fmt.Sprintf("p%g", p)] = ms(percentile(all, p))
	}
	res.LatencyMS["max"] = ms(all[len(all)-1])
	return res
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// report writes a load-test result as indented JSON or as text.
func report(env *Env, format string, res interface{ print(io.Writer) }) error {
	if format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.print(env.Stdout)
	return nil
}

func (r *loadtestResult) print(w io.Writer) {
	fmt.Fprintf(w, "%s %s  concurrency %d  %.1f s\n", r.Method, r.URL, r.Concurrency, r.Seconds)
	codes := make([]string, 0, len(r.Statuses))
	for c := range r.Statuses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%s×%d", c, r.Statuses[c]))
	}
	fmt.Fprintf(w, "requests %d  failed %d  errors %d  statuses %s\n", r.Requests, r.Failed, r.Errors, strings.Join(parts, " "))
	if r.FirstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.FirstError)
	}
	if r.Requests == 0 {
		return
	}
	fmt.Fprintf(w, "throughput %.1f requests/s\n", r.RPS)
	l := r.LatencyMS
	fmt.Fprintf(w, "latency ms  mean %.3f  p50 %.3f  p90 %.3f  p95 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
		l["mean"], l["p50"], l["p90"], l["p95"], l["p99"], l["p99.9"], l["max"])
}
