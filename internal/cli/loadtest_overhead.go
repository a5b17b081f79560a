package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"mfn/server"
)

// The service's overhead as a ratio (issue 16): absolute requests/s on a shared VM move 3× with
// the hypervisor's steal and the other tenants, but two servers measured alternately in one run
// see the same machine. `mfn loadtest --overhead N` starts, in this process, the full service
// (API key required, rate limiting on, access log to a file, metrics, tracing middleware) and a
// bare net/http handler that writes the bytes the service answers, and drives them with the
// same client N rounds. Within a round the two servers alternate every --slice (ABBA order), so
// that a change of the machine's speed longer than a slice affects both alike; each round gives
// each server --duration in all. The process's CPU time during each server's slices gives a
// second ratio, requests per CPU-second, which other processes' load moves even less.

// overheadRound is one round: both servers' throughput over their slices.
type overheadRound struct {
	Round   int     `json:"round"`
	FullRPS float64 `json:"full_requests_per_second"`
	BareRPS float64 `json:"bare_requests_per_second"`
	Ratio   float64 `json:"ratio"`
	// Requests per CPU-second of this process (client and server together); 0 where the
	// platform does not report CPU time.
	FullPerCPUSecond float64 `json:"full_requests_per_cpu_second"`
	BarePerCPUSecond float64 `json:"bare_requests_per_cpu_second"`
	CPURatio         float64 `json:"cpu_ratio"`
}

type overheadResult struct {
	Endpoint      string          `json:"endpoint"`
	Method        string          `json:"method"`
	Concurrency   int             `json:"concurrency"`
	Seconds       float64         `json:"seconds_per_run"`
	SliceSeconds  float64         `json:"slice_seconds"`
	WarmupSeconds float64         `json:"warmup_seconds"`
	AccessLog     string          `json:"access_log"`
	Rounds        []overheadRound `json:"rounds"`
	Threshold     float64         `json:"threshold"`
	Passing       int             `json:"rounds_at_or_above_threshold"`
	Median        float64         `json:"median_ratio"`
	Min           float64         `json:"min_ratio"`
	Max           float64         `json:"max_ratio"`
	CPUPassing    int             `json:"cpu_rounds_at_or_above_threshold"`
	CPUMedian     float64         `json:"median_cpu_ratio"`
}

// overheadThreshold is the target: the full chain reaches 70 % of bare.
const overheadThreshold = 0.70

func (r *overheadResult) print(w io.Writer) {
	fmt.Fprintf(w, "%s %s  concurrency %d  %.1f s per server per round in %.0f ms slices  warm-up %.1f s  access log %s\n",
		r.Method, r.Endpoint, r.Concurrency, r.Seconds, 1000*r.SliceSeconds, r.WarmupSeconds, r.AccessLog)
	fmt.Fprintf(w, "%-6s %11s %11s %7s %14s %14s %9s\n", "round", "full req/s", "bare req/s", "ratio", "full req/CPU-s", "bare req/CPU-s", "CPU ratio")
	for _, x := range r.Rounds {
		fmt.Fprintf(w, "%-6d %11.1f %11.1f %7.3f %14.1f %14.1f %9.3f\n", x.Round, x.FullRPS, x.BareRPS, x.Ratio,
			x.FullPerCPUSecond, x.BarePerCPUSecond, x.CPURatio)
	}
	fmt.Fprintf(w, "ratio: median %.3f, min %.3f, max %.3f; %d of %d rounds at or above %.2f\n",
		r.Median, r.Min, r.Max, r.Passing, len(r.Rounds), r.Threshold)
	fmt.Fprintf(w, "CPU ratio: median %.3f; %d of %d rounds at or above %.2f\n", r.CPUMedian, r.CPUPassing, len(r.Rounds), r.Threshold)
}

// summarise fills in the counts and the spread of the rounds' ratios.
func (r *overheadResult) summarise() {
	var ratios, cpu []float64
	r.Passing, r.CPUPassing = 0, 0
	for _, x := range r.Rounds {
		ratios, cpu = append(ratios, x.Ratio), append(cpu, x.CPURatio)
		if x.Ratio >= r.Threshold {
			r.Passing++
		}
		if x.CPURatio >= r.Threshold {
			r.CPUPassing++
		}
	}
	if len(ratios) == 0 {
		return
	}
	r.Median, r.CPUMedian = median(ratios), median(cpu)
	r.Min, r.Max = slices.Min(ratios), slices.Max(ratios)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// overheadEnv is the service's configuration for the comparison: the caller's environment,
// with the middleware that production runs switched on unless the caller chose otherwise.
func overheadEnv(getenv func(string) string, key, endpoint string) func(string) string {
	forced := map[string]string{
		"MFN_RATE_LIMIT_ROUTES":   endpoint + "=1000000000",
		"MFN_API_KEY_REQUIRED":    "true",
		"MFN_API_KEY":             key,
		"MFN_RATE_LIMIT_ENABLED":  "true",
		"MFN_RATE_LIMIT_REQUESTS": "1000000000", // on, but never the bottleneck
		"MFN_METRICS_ENABLED":     "true",
	}
	return func(k string) string {
		if v := getenv(k); v != "" && k != "MFN_API_KEY" && k != "MFN_API_KEY_REQUIRED" {
			return v
		}
		return forced[k]
	}
}

// overheadFlags are --overhead's own settings.
type overheadFlags struct {
	rounds        int
	slice, warmup time.Duration
}

func (o overheadFlags) check(f loadtestFlags) error {
	if o.rounds < 1 || o.rounds > 100 {
		return fmt.Errorf("%w: --overhead=%d: must be in [1, 100]", errUsage, o.rounds)
	}
	if o.slice < 10*time.Millisecond || o.slice > f.duration {
		return fmt.Errorf("%w: --slice=%v: must be in [10ms, --duration (%v)]", errUsage, o.slice, f.duration)
	}
	if o.warmup < 0 || o.warmup > time.Hour {
		return fmt.Errorf("%w: --warmup=%v: must be in [0, 1h]", errUsage, o.warmup)
	}
	return nil
}

// sideTotals add up one server's slices of a round.
type sideTotals struct {
	requests int
	seconds  float64
	cpuNanos int64
}

func (t sideTotals) rps() float64 {
	if t.seconds <= 0 {
		return 0
	}
	return float64(t.requests) / t.seconds
}

func (t sideTotals) perCPUSecond() float64 {
	if t.cpuNanos <= 0 {
		return 0
	}
	return float64(t.requests) / (float64(t.cpuNanos) / 1e9)
}

func runOverhead(ctx context.Context, env *Env, f loadtestFlags, o overheadFlags) error {
	if err := o.check(f); err != nil {
		return err
	}
	var kb [16]byte
	if _, err := rand.Read(kb[:]); err != nil {
		return err
	}
	key := "overhead-" + hex.EncodeToString(kb[:])
	cfg, err := server.LoadConfig(overheadEnv(env.Getenv, key, f.endpoint))
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	logFile, err := os.CreateTemp("", "mfn-overhead-access-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(logFile.Name())
	defer logFile.Close()
	app, err := server.Open(ctx, cfg, logFile, "loadtest-overhead")
	if err != nil {
		return err
	}
	defer app.Close()
	defer server.TuneGC()() // as `mfn serve` runs (GOGC=400 unless set); the bare server shares it

	fullURL, stopFull, err := serveLoopback(app.Handler())
	if err != nil {
		return err
	}
	defer stopFull()
	f.apiKey = key
	status, ctype, body, err := fetchOnce(ctx, fullURL+f.endpoint, f)
	if err != nil {
		return err
	}
	if status >= 400 {
		return fmt.Errorf("the service answers %s %s with %d: %s", f.method, f.endpoint, status, strings.TrimSpace(string(body)))
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		w.Write(body)
	})
	bareURL, stopBare, err := serveLoopback(bare)
	if err != nil {
		return err
	}
	defer stopBare()

	res := &overheadResult{Endpoint: f.endpoint, Method: f.method, Concurrency: f.concurrency,
		Seconds: f.duration.Seconds(), SliceSeconds: o.slice.Seconds(), WarmupSeconds: o.warmup.Seconds(),
		AccessLog: cfg.AccessLog.String(), Threshold: overheadThreshold}
	run := func(u string, d time.Duration, into *sideTotals) error {
		g := f
		g.url, g.duration = u, d
		cpu0 := processCPUNanos()
		r, err := loadtest(ctx, g)
		cpu := processCPUNanos() - cpu0
		if err != nil {
			return err
		}
		if r.Errors > 0 {
			return fmt.Errorf("%s: %d of %d requests failed (statuses %v) %s", u, r.Errors, r.Requests+r.Failed, r.Statuses, r.FirstError)
		}
		if into != nil {
			into.requests += r.Requests
			into.seconds += r.Seconds
			into.cpuNanos += cpu
		}
		return nil
	}
	if o.warmup > 0 { // connections, caches, the collector's pacing: both servers, not counted
		if err := run(fullURL, o.warmup, nil); err != nil {
			return err
		}
		if err := run(bareURL, o.warmup, nil); err != nil {
			return err
		}
	}
	nSlices := max(1, int((f.duration+o.slice/2)/o.slice))
	for i := range o.rounds {
		var full, bareT sideTotals
		for s := range nSlices {
			// ABBA: the server that goes first alternates, so that a drift in the machine's
			// speed within a round favours neither.
			first, second := fullURL, bareURL
			ft, st := &full, &bareT
			if (i*nSlices+s)%2 == 1 {
				first, second, ft, st = bareURL, fullURL, &bareT, &full
			}
			if err := run(first, o.slice, ft); err != nil {
				return err
			}
			if err := run(second, o.slice, st); err != nil {
				return err
			}
		}
		x := overheadRound{Round: i + 1, FullRPS: full.rps(), BareRPS: bareT.rps(),
			FullPerCPUSecond: full.perCPUSecond(), BarePerCPUSecond: bareT.perCPUSecond()}
		if x.BareRPS > 0 {
			x.Ratio = x.FullRPS / x.BareRPS
		}
		if x.BarePerCPUSecond > 0 {
			x.CPURatio = x.FullPerCPUSecond / x.BarePerCPUSecond
		}
		res.Rounds = append(res.Rounds, x)
		if f.format == "text" {
			fmt.Fprintf(env.Stderr, "round %d/%d: full %.0f req/s, bare %.0f req/s, ratio %.3f, CPU ratio %.3f\n",
				x.Round, o.rounds, x.FullRPS, x.BareRPS, x.Ratio, x.CPURatio)
		}
	}
	res.summarise()
	return report(env, f.format, res)
}

// serveLoopback serves h on 127.0.0.1 on a free port until stop is called.
func serveLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "loadtest --overhead:", err)
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// fetchOnce sends the load test's request once and returns the answer to copy.
func fetchOnce(ctx context.Context, u string, f loadtestFlags) (int, string, []byte, error) {
	var rd io.Reader
	if f.method == http.MethodPost {
		rd = strings.NewReader(f.body)
	}
	req, err := http.NewRequestWithContext(ctx, f.method, u, rd)
	if err != nil {
		return 0, "", nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-API-Key", f.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Content-Type"), b, err
}
