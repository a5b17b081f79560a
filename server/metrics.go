package server

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mfn/stream"
)

// Metrics holds the service's Prometheus registry: the reference's HTTP metrics, the
// simulation metrics, the worker pool's, and the Go runtime and process collectors.
type Metrics struct {
	reg *prometheus.Registry

	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inProgress *prometheus.GaugeVec

	fractalDimension prometheus.Histogram
	growthEvents     prometheus.Counter
	lyapunov         prometheus.Gauge
	simDuration      *prometheus.HistogramVec

	poolRejected prometheus.Counter
	rateLimited  *prometheus.CounterVec
	keyReloads   *prometheus.CounterVec
	streams      *stream.Metrics

	// children caches the HTTP metrics' children per (route, method), so that counting a
	// request does not hash label values (see httpChildren).
	childMu  sync.Mutex
	children []atomic.Pointer[httpChildren] // (len(routeTable)+1) × len(methodLabels)
}

// methodLabels are the values methodLabel returns, in the order of methodIndex.
var methodLabels = [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace, "OTHER"}

// methodIndex is the index in methodLabels of methodLabel(m).
func methodIndex(m string) int {
	switch m {
	case http.MethodGet:
		return 0
	case http.MethodHead:
		return 1
	case http.MethodPost:
		return 2
	case http.MethodPut:
		return 3
	case http.MethodPatch:
		return 4
	case http.MethodDelete:
		return 5
	case http.MethodConnect:
		return 6
	case http.MethodOptions:
		return 7
	case http.MethodTrace:
		return 8
	}
	return 9
}

// httpChildren are the HTTP metrics' children of one (route, method): resolved once, then
// used without label hashing. Status counters are resolved on first use per status.
type httpChildren struct {
	route, method string
	inProgress    prometheus.Gauge
	duration      prometheus.Observer
	statuses      [600]atomic.Pointer[prometheus.Counter]
}

// httpChildren returns the cached children of (route, method), creating them on first use.
func (m *Metrics) httpChildren(routeIdx int, route, method string) *httpChildren {
	mi := methodIndex(method)
	slot := &m.children[routeIdx*len(methodLabels)+mi]
	if c := slot.Load(); c != nil {
		return c
	}
	m.childMu.Lock()
	defer m.childMu.Unlock()
	if c := slot.Load(); c != nil {
		return c
	}
	label := methodLabels[mi]
	c := &httpChildren{route: route, method: label, inProgress: m.inProgress.WithLabelValues(route, label),
		duration: m.duration.WithLabelValues(route, label)}
	slot.Store(c)
	return c
}

// requests returns the request counter of a status.
func (c *httpChildren) requests(m *Metrics, status int) prometheus.Counter {
	if status < 0 || status >= len(c.statuses) {
		return m.requests.WithLabelValues(c.route, c.method, statusLabel(status))
	}
	if p := c.statuses[status].Load(); p != nil {
		return *p
	}
	ctr := m.requests.WithLabelValues(c.route, c.method, statusLabel(status))
	c.statuses[status].Store(&ctr)
	return ctr
}

// NewMetrics returns a registry with every metric of the service registered.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(),
		children: make([]atomic.Pointer[httpChildren], (len(routeTable)+1)*len(methodLabels))}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mfn_http_requests_total", Help: "Total number of HTTP requests",
	}, []string{"endpoint", "method", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "mfn_http_request_duration_seconds", Help: "HTTP request latency in seconds", Buckets: prometheus.DefBuckets,
	}, []string{"endpoint", "method"})
	m.inProgress = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "mfn_http_requests_in_progress", Help: "Number of HTTP requests currently being processed",
	}, []string{"endpoint", "method"})
	m.fractalDimension = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "mfn_fractal_dimension", Help: "Box-counting fractal dimension of simulated fields",
		Buckets: tenths(21),
	})
	m.growthEvents = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "mfn_growth_events_total", Help: "Growth events (spikes) of all simulations",
	})
	m.lyapunov = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "mfn_lyapunov_exponent", Help: "Lyapunov exponent of the most recent validation run",
	})
	m.simDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "mfn_simulation_duration_seconds", Help: "Duration of simulation work (queue wait excluded)",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"endpoint"})
	m.poolRejected = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "mfn_worker_pool_rejected_total", Help: "Requests answered 503 because the work queue was full",
	})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mfn_rate_limited_total", Help: "Requests answered 429 by the rate limiter",
	}, []string{"endpoint"})
	m.keyReloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mfn_reloads_total", Help: "Reloads of API keys, crypto keys and TLS certificates, by outcome",
	}, []string{"what", "outcome"})
	m.reg.MustRegister(m.requests, m.duration, m.inProgress, m.fractalDimension, m.growthEvents, m.lyapunov,
		m.simDuration, m.poolRejected, m.rateLimited, m.keyReloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.streams = stream.NewMetrics(m.reg)
	return m
}

// Registry exposes the registry, for tests and for extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observePool registers a gauge of the work queue's length and the pool's size.
func (m *Metrics) observePool(p *Pool) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "mfn_worker_queue_length", Help: "Jobs waiting for a worker",
	}, func() float64 { return float64(p.Queued()) }))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "mfn_worker_pool_size", Help: "Workers of the CPU-bound work pool",
	}, func() float64 { return float64(p.Workers()) }))
}

// reload counts one reload attempt.
func (m *Metrics) reload(what string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.keyReloads.WithLabelValues(what, outcome).Inc()
}

// methodLabel bounds the method label to the standard methods: a client choosing arbitrary
// method names must not create arbitrarily many series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// statusLabels holds the status codes as label values, so that counting needs no formatting.
var statusLabels = func() (s [600]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func statusLabel(code int) string {
	if code >= 0 && code < len(statusLabels) {
		return statusLabels[code]
	}
	return strconv.Itoa(code)
}

// withMetrics counts every exchange, whatever produced its response (401 and 429 included).
func withMetrics(m *Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := recordOf(r.Context())
			c := m.httpChildren(rec.routeIndex(), rec.route, r.Method)
			c.inProgress.Inc()
			defer func() {
				c.inProgress.Dec()
				status := rec.statusOrClosed(r.Context())
				p := recover()
				if p != nil {
					status = http.StatusInternalServerError // the recovery middleware answers it
				}
				c.requests(m, status).Inc()
				rec.end = time.Now()
				c.duration.Observe(rec.end.Sub(rec.start).Seconds())
				if p != nil {
					panic(p)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// tenths is 0, 0.1, …, (n-1)/10 computed as i/10, so the le labels read 0.3, not the
// 0.30000000000000004 that prometheus.LinearBuckets(0, 0.1, n) accumulates.
func tenths(n int) []float64 {
	b := make([]float64, n)
	for i := range b {
		b[i] = float64(i) / 10
	}
	return b
}
