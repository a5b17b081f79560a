package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mfn/security"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"mfn/integration"
	"mfn/limits"
	"mfn/stream"
)

// App is a configured service: the handler and everything it owns (worker pool, key stores,
// tracer, certificate reloader), with its lifecycle.
type App struct {
	cfg          Config
	log          *slog.Logger
	metrics      *Metrics
	tracing      *Tracing
	keys         *APIKeys
	ring         *Keyring
	pool         *Pool
	readiness    *Readiness
	streams      *stream.Hub
	certs        *certReloader
	keysStamp    fileStamp
	logBuf       *lineBuffer   // nil when logs go straight to their writer
	redisLimiter *RedisLimiter // nil unless MFN_RATE_LIMIT_REDIS_URL is set
	handler      http.Handler
	limiter      RateLimiter             // shared by every transport; nil when rate limiting is off
	routes       http.Handler            // the routes without the HTTP middleware (Transport)
	hub          *integration.Hub        // nil without an integrations file
	stoppers     []func(context.Context) // other transports' graceful stops (OnShutdown)
	memory       *limits.Memory          // the aggregations' memory budget
	authFails    *limits.FailedAuth
	closeOnce    sync.Once
}

// Open builds the service from cfg, logging to logOut. It loads the API keys, the crypto key
// file and the TLS certificate, so that a configuration that cannot work fails here. Close
// (or Serve) releases what it started.
func Open(ctx context.Context, cfg Config, logOut io.Writer, version string, opts ...Option) (a *App, err error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	a = &App{cfg: cfg, metrics: NewMetrics()}
	if f, ok := logOut.(*os.File); ok && cfg.LogFlush > 0 {
		a.logBuf = newLineBuffer(f, cfg.LogFlush)
		logOut = a.logBuf
		defer func() {
			if err != nil {
				a.logBuf.Close()
			}
		}()
	}
	a.log = NewLogger(logOut, cfg.LogFormat, cfg.LogLevel, cfg.Env)
	if a.keys, err = NewAPIKeys(cfg.APIKeyRequired, cfg.APIKeys, cfg.APIKeysFile); err != nil {
		return nil, err
	}
	a.metrics.reg.MustRegister(newKeyCollector(a.keys))
	if cfg.APIKeysFile != "" {
		a.keysStamp, _ = statStamp(cfg.APIKeysFile)
	}
	if cfg.CryptoEnabled {
		if a.ring, err = OpenKeyring(cfg.CryptoKeyFile); err != nil {
			return nil, err
		}
		a.ring.maxPerOwner = cfg.Limits.withDefaults().KeysPerAPIKey
		if cfg.CryptoKeyFile == "" {
			a.log.Warn("crypto keys are in memory only: set MFN_CRYPTO_KEY_FILE so that restarts and replicas share them")
		}
	}
	if cfg.TLSCertFile != "" {
		if a.certs, err = newCertReloader(cfg.TLSCertFile, cfg.TLSKeyFile); err != nil {
			return nil, err
		}
	}
	if a.tracing, err = NewTracing(ctx, cfg.Tracing, version); err != nil {
		return nil, err
	}
	a.pool = NewPool(cfg.Workers, cfg.QueueSize)
	a.metrics.observePool(a.pool)
	a.readiness = NewReadiness(a.keys, a.ring, a.pool)
	if o.integrations != nil {
		if a.hub, err = integration.Open(*o.integrations, a.metrics.reg, a.log); err != nil {
			a.pool.Close()
			return nil, err
		}
		a.readiness.hub = a.hub
	}
	a.memory, a.authFails = cfg.Limits.memory(), cfg.Limits.failedAuth()
	a.streams = newStreamHub(cfg, a.keys, a.metrics, a.log, a.hub, a.pool, a.authFails)
	var limiter RateLimiter
	if cfg.RateLimitEnabled && cfg.RateLimitRedisURL != "" {
		if a.redisLimiter, err = NewRedisLimiter(cfg.RateLimitRedisURL, cfg.RateLimitRedisFailOpen, cfg.RateLimitRedisTimeout,
			cfg.RateLimitRequests, cfg.RateLimitWindow, cfg.RateLimitRoutes, a.metrics, a.log); err != nil {
			a.Close()
			return nil, err
		}
		limiter = a.redisLimiter
	} else if cfg.RateLimitEnabled { // one limiter for every transport (Transport.Allow)
		limiter = NewLimiter(cfg.RateLimitRequests, cfg.RateLimitWindow, cfg.RateLimitRoutes)
	}
	a.limiter = limiter
	a.handler, err = NewServer(Deps{Config: cfg, Logger: a.log, Metrics: a.metrics, Tracing: a.tracing, APIKeys: a.keys,
		Keyring: a.ring, Pool: a.pool, Readiness: a.readiness, Integrations: a.hub, Streams: a.streams, RateLimiter: limiter,
		Routes: &a.routes, Memory: a.memory, FailedAuth: a.authFails})
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Handler is the service's http.Handler (for in-process use: tests, conformance).
func (a *App) Handler() http.Handler { return a.handler }

// Logger is the service's logger.
func (a *App) Logger() *slog.Logger { return a.log }

// Metrics is the service's metrics registry.
func (a *App) Metrics() *Metrics { return a.metrics }

// Close stops the worker pool (after its queued jobs) and flushes the tracer.
func (a *App) Close() {
	a.closeOnce.Do(func() {
		a.readiness.Drain()
		a.closeStreams(5 * time.Second)
		a.pool.Close()
		if a.hub != nil { // publishers deliver what they can, the rest stays spooled
			hctx, hcancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
			if err := a.hub.Close(hctx); err != nil {
				a.log.Warn("closing integrations", "error", err)
			}
			hcancel()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.tracing.Shutdown(ctx); err != nil {
			a.log.Warn("flushing traces", "error", err)
		}
		if a.logBuf != nil {
			a.logBuf.Close()
		}
		if a.redisLimiter != nil {
			a.redisLimiter.Close()
		}
	})
}

// closeStreams ends every live stream, waiting up to d.
func (a *App) closeStreams(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := a.streams.Shutdown(ctx); err != nil {
		a.log.Warn("streams did not end in time", "error", err)
	}
}

// Reload re-reads the API key file (when force, or when it changed), the crypto key file and
// the TLS certificate (when they changed). Each keeps its current contents when its new
// contents are bad.
func (a *App) Reload(force bool) {
	if a.cfg.APIKeysFile == "" {
		force = false
	} else if st, _ := statStamp(a.cfg.APIKeysFile); st != a.keysStamp {
		a.keysStamp, force = st, true
	}
	audit := auditor{log: a.log, on: a.cfg.CryptoAuditLog}
	if force {
		before := a.keys.fingerprints()
		_, err := a.keys.Reload()
		a.reloaded("api_keys", "API keys", true, err)
		if err == nil {
			audit.keyRotation("api_keys", before, a.keys.fingerprints())
		}
	}
	if a.ring != nil {
		changed, err := a.ring.Reload()
		a.reloaded("crypto_keys", "crypto key file", changed, err)
		if changed && err == nil {
			audit.record(context.Background(), security.AuditEvent{Action: security.ActionKeyRotation, Success: true,
				Operation: "reload", Details: map[string]string{"keys": "crypto_keys"}})
		}
	}
	if a.certs != nil {
		changed, err := a.certs.reload()
		a.reloaded("tls_certificate", "TLS certificate", changed, err)
	}
}

// reloaded counts and logs the outcome of a change-driven reload.
func (a *App) reloaded(metric, what string, changed bool, err error) {
	if !changed && err == nil {
		return
	}
	a.metrics.reload(metric, err)
	if err != nil {
		a.log.Error("reloading "+what+" failed; the current contents stay in use", "error", err)
		return
	}
	a.log.Info(what + " reloaded")
}

// statStamp is the stamp of the file at path.
func statStamp(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return stampOf(fi), nil
}

// Serve serves on ln until ctx ends, then shuts down gracefully: /ready turns 503, after
// MFN_SHUTDOWN_DELAY the listener closes, in-flight requests get up to MFN_SHUTDOWN_TIMEOUT
// to finish, then the pool drains and the tracer flushes. A signal on reload (SIGHUP) and a
// change of a watched file reload keys and certificates. Serve closes the App.
func (a *App) Serve(ctx context.Context, ln net.Listener, reload <-chan struct{}) error {
	defer a.Close()
	tuneGC(os.Getenv)
	baseCtx, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	readTimeout, writeTimeout := serverTimeouts(a.cfg.HandlerTimeout)
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	if a.certs != nil {
		ln = tls.NewListener(ln, &tls.Config{GetCertificate: a.certs.get, MinVersion: tls.VersionTLS12})
	} else {
		ln = jsonErrorListener{ln}
	}
	scheme := "http"
	if a.certs != nil {
		scheme = "https"
	}
	a.log.Info("listening", "addr", ln.Addr().String(), "scheme", scheme,
		"auth", a.cfg.APIKeyRequired, "rate_limit", a.cfg.RateLimitEnabled, "workers", a.cfg.Workers,
		"tracing", a.cfg.Tracing.Enabled)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	watchDone := make(chan struct{})
	stopWatch := make(chan struct{})
	go func() {
		defer close(watchDone)
		a.watch(stopWatch, reload)
	}()
	defer func() {
		close(stopWatch)
		<-watchDone
	}()

	select {
	case err := <-served:
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	a.readiness.Drain()
	a.log.Info("shutting down", "delay", a.cfg.ShutdownDelay.String(), "timeout", a.cfg.ShutdownTimeout.String())
	if a.cfg.ShutdownDelay > 0 {
		time.Sleep(a.cfg.ShutdownDelay)
	}
	shCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	// http.Server.Shutdown neither waits for hijacked WebSockets nor ends SSE responses.
	if err := a.streams.Shutdown(shCtx); err != nil {
		a.log.Warn("streams did not end in time", "error", err)
	}
	stopped := a.stopOthers(shCtx) // other transports stop alongside, before the pool closes
	defer func() { <-stopped }()
	if err := srv.Shutdown(shCtx); err != nil {
		a.log.Warn("in-flight requests did not finish in time; closing them", "error", err)
		cancelBase()
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.log.Info("stopped")
	return nil
}

// watch reloads on every signal from reload and when a watched file changes, until stop.
func (a *App) watch(stop <-chan struct{}, reload <-chan struct{}) {
	t := time.NewTicker(a.cfg.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-reload:
			a.log.Info("reload requested (SIGHUP)")
			a.Reload(true)
		case <-t.C:
			a.Reload(false)
		}
	}
}

// serveGCPercent and serveMemoryLimit are the garbage collector's settings while serving,
// unless GOGC or GOMEMLIMIT say otherwise. The service's live heap is small (a few MB) and
// each request allocates a few KB, so at the default GOGC=100 the collector runs dozens of
// times per second under load, and its mark phases show in tail latency. A higher GOGC trades
// some memory for far fewer cycles; the soft limit keeps that trade bounded when simulations
// hold large fields.
const (
	serveGCPercent   = 400
	serveMemoryLimit = 1 << 30
)

// TuneGC applies the garbage collector's serving settings as Serve does, for a process that
// serves App.Handler itself (`mfn loadtest --overhead` measures the service as it runs), and
// returns a function that restores the previous settings.
func TuneGC() (restore func()) {
	percent, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1)
	debug.SetGCPercent(percent)
	tuneGC(os.Getenv)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// tuneGC applies serveGCPercent and serveMemoryLimit, each only when the operator has not
// set its variable.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
		if getenv("GOMEMLIMIT") == "" && debug.SetMemoryLimit(-1) == math.MaxInt64 {
			debug.SetMemoryLimit(serveMemoryLimit)
		}
	}
}
