package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mfn/integration"
	"mfn/server"
	"mfn/simjob"
)

func init() {
	register(command{
		name:    "worker",
		summary: "consume simulation requests from a connector, publish their feature vectors",
		run:     runWorker,
	})
}

const workerSynopsis = `worker --integrations FILE [--connector NAME] [--route NAME] [--concurrency N] [--metrics-addr ADDR] [--spool-dir DIR]

Takes simulation requests (POST /simulate's body) from a connector of the integrations file,
runs the simulation and the 18 features, and publishes each result to the publishers of the
route (by default the connector's own route). Each request runs in a span continuing its
trace (Kafka header or REST poll traceparent), exported per the standard OTEL_* variables
(service mfn-worker), and the simulation metrics are on --metrics-addr. A Kafka connector is a consumer group: start more
workers with the same file to share its partitions. SIGTERM or SIGINT stops gracefully: no new
request starts, finished results are published and committed, the rest is handed out again.`

func runWorker(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "worker", workerSynopsis)
	file := fs.String("integrations", "", "the integrations `FILE` (YAML or JSON)")
	connector := fs.String("connector", "", "the connector to consume (default: the file's only connector)")
	route := fs.String("route", "", "the route whose publishers get the results (default: the connector's name)")
	concurrency := fs.Int("concurrency", 1, "requests run at once")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics on `ADDR` (e.g. :9100)")
	spoolDir := fs.String("spool-dir", "", "spool root replacing the file's spool_dir (each worker on one machine needs its own)")
	drain := fs.Duration("drain-timeout", 30*time.Second, "on stop, how long publishers may keep delivering before the rest stays in their spools")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	case *file == "":
		return fmt.Errorf("%w: --integrations is required", errUsage)
	case *concurrency < 1 || *concurrency > 1024:
		return fmt.Errorf("%w: --concurrency=%d: must be in [1, 1024]", errUsage, *concurrency)
	}
	cfg, err := integration.LoadConfig(*file)
	if err != nil {
		return err
	}
	if *spoolDir != "" {
		for i, p := range cfg.Publishers {
			if cfg.SpoolDir != "" && p.Spool.Dir == filepath.Join(cfg.SpoolDir, p.Name) {
				cfg.Publishers[i].Spool.Dir = filepath.Join(*spoolDir, p.Name)
			}
		}
		cfg.SpoolDir = *spoolDir
	}
	if *connector == "" {
		if len(cfg.Connectors) != 1 {
			return fmt.Errorf("%w: --connector: the file has %d connectors; name one", errUsage, len(cfg.Connectors))
		}
		*connector = cfg.Connectors[0].Name
	}
	if err := connectorExists(cfg, *connector, *file); err != nil {
		return err
	}
	if *route == "" {
		*route = *connector
	}
	if len(cfg.Route(*route)) == 0 {
		return fmt.Errorf("%w: --route=%q: no route from %q in %s (add routes: [{from: %s, to: [<publisher>]}])", errUsage, *route, *route, *file, *route)
	}
	base := slog.New(slog.NewJSONHandler(env.Stderr, nil))
	log := base.With("connector", *connector) // the hub names connectors itself
	reg := prometheus.NewRegistry()
	// The runtime and process metrics, as mfn serve has them: the dashboards show the
	// worker's CPU and memory beside its queues.
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	hub, err := integration.Open(cfg, reg, base)
	if err != nil {
		return err
	}
	src, err := hub.Source(*connector)
	if err != nil {
		hub.Close(context.Background())
		return err
	}
	if *metricsAddr != "" {
		stop, err := serveMetrics(*metricsAddr, reg, log)
		if err != nil {
			hub.Close(context.Background())
			return err
		}
		defer stop()
	}

	tcfg, err := server.TracingFromEnv(env.Getenv, workerService)
	if err != nil {
		hub.Close(context.Background())
		return &ExitError{Code: 2, Err: err}
	}
	tracing, err := server.NewTracing(ctx, tcfg, Version)
	if err != nil {
		hub.Close(context.Background())
		return &ExitError{Code: 2, Err: err}
	}
	defer func() { // spans of the last requests reach the collector
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tracing.Shutdown(sctx); err != nil {
			log.Warn("flushing traces", "error", err)
		}
	}()

	var handled, rejected atomic.Int64
	cm := hub.ConnectorMetrics()
	process := tracedProcess(tracing.Provider.Tracer("mfn/worker"), server.NewSimulationMetrics(reg, "worker"), *connector,
		func(ctx context.Context, m integration.Message) (integration.Message, error) {
			out, err := simjob.Process(ctx, m)
			if err != nil && ctx.Err() == nil {
				rejected.Add(1)
				cm.Rejected(*connector)
			}
			return out, err
		})
	publish := func(ctx context.Context, m integration.Message) error {
		if err := hub.Publish(ctx, *route, m); err != nil {
			return err
		}
		handled.Add(1)
		return nil
	}
	log.Info("worker started", "route", *route, "concurrency", *concurrency)
	werr := integration.RunWorkerN(ctx, src, *concurrency, process, publish, log)
	dctx, cancel := context.WithTimeout(context.Background(), *drain)
	defer cancel()
	cerr := hub.Close(dctx)
	log.Info("worker stopped", "published", handled.Load(), "rejected", rejected.Load())
	fmt.Fprintf(env.Stdout, "worker stopped: %d results published (%d error results for bad requests)\n", handled.Load(), rejected.Load())
	return errors.Join(werr, cerr)
}

// serveMetrics serves reg on addr until the returned stop is called.
func serveMetrics(addr string, reg *prometheus.Registry, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "error", err)
		}
	}()
	log.Info("metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

// connectorExists is a usage error naming the connectors of the file when --connector names none.
func connectorExists(cfg integration.Config, name, file string) error {
	names := make([]string, len(cfg.Connectors))
	for i, c := range cfg.Connectors {
		if c.Name == name {
			return nil
		}
		names[i] = c.Name
	}
	if len(names) == 0 {
		return usagef("--connector=%q: %s defines no connectors (add connectors: [{name: %s, ...}])", name, file, name)
	}
	return usagef("--connector=%q: %s has no connector of that name (it has: %s)", name, file, strings.Join(names, ", "))
}
