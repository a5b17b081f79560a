package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"mfn/integration"
	"mfn/server"
)

func init() {
	register(command{
		name:    "serve",
		summary: "run the HTTP service: the reference's REST API, probes and metrics (and gRPC on MFN_GRPC_ADDR)",
		run:     runServe,
	})
}

const serveSynopsis = `serve [--addr :8000] [--check-config] [--init-key-file PATH] [--integrations FILE]

Everything else comes from the environment: MFN_ENV (dev, staging, prod), MFN_API_KEY_REQUIRED,
MFN_API_KEY, MFN_API_KEYS, MFN_API_KEYS_FILE, MFN_RATE_LIMIT_ENABLED, MFN_RATE_LIMIT_REQUESTS,
MFN_RATE_LIMIT_WINDOW, MFN_RATE_LIMIT_ROUTES, MFN_TRUSTED_PROXIES, MFN_LOG_LEVEL, MFN_LOG_FORMAT,
MFN_METRICS_ENABLED, MFN_CORS_ORIGINS, MFN_CRYPTO_* (MFN_CRYPTO_KEY_FILE), MFN_MAX_BODY_BYTES,
MFN_HANDLER_TIMEOUT, MFN_WORKERS, MFN_QUEUE_SIZE, MFN_SHUTDOWN_TIMEOUT, MFN_SHUTDOWN_DELAY,
MFN_RELOAD_INTERVAL, MFN_TLS_CERT_FILE, MFN_TLS_KEY_FILE, the live streams' MFN_STREAM_*
(MAX_CONNECTIONS, MAX_PER_KEY, QUEUE_SIZE, MAX_MESSAGE_BYTES, MAX_MESSAGES_PER_SECOND,
MAX_VIOLATIONS, HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT, MIN_FRAME_INTERVAL, WRITE_TIMEOUT; see
docs/streaming.md) and the standard OTEL_* variables. Live streams: /ws/stream_features,
/ws/simulation_live, /sse/stream_features, /sse/simulation_live; a page to watch one at /ui.
MFN_GRPC_ADDR serves the gRPC API too (docs/grpc.md; off when empty).
SIGTERM or SIGINT shuts down gracefully; SIGHUP reloads API keys, crypto keys and the certificate.`

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "serve", serveSynopsis)
	addr := fs.String("addr", ":8000", "address to listen on")
	check := fs.Bool("check-config", false, "validate the configuration (and the files it names), print a summary, and exit")
	initKeys := fs.String("init-key-file", "", "write a new crypto key file (fresh AES-256 and Ed25519 keys) at `PATH` and exit")
	integrations := fs.String("integrations", "", "publish results to the connectors and publishers of the integrations `FILE` (YAML or JSON; docs/integrations.md)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *initKeys != "" {
		if err := server.InitKeyFile(*initKeys); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "wrote a new key file to %s (mode 0600)\n", *initKeys)
		return nil
	}
	cfg, err := server.LoadConfig(env.Getenv)
	if err != nil {
		return err
	}
	var opts []server.Option
	if *integrations != "" {
		icfg, err := integration.LoadConfig(*integrations)
		if err != nil {
			return err
		}
		opts = append(opts, server.WithIntegrations(icfg))
		if *check {
			fmt.Fprintf(env.Stdout, "integrations: %d connectors, %d publishers, %d routes (%s)\n",
				len(icfg.Connectors), len(icfg.Publishers), len(icfg.Routes), *integrations)
		}
	}
	if *check {
		if err := server.CheckConfig(cfg); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, server.Summary(cfg))
		if addr, err := grpcAddr(env); err != nil {
			return err
		} else if addr != "" {
			fmt.Fprintf(env.Stdout, "grpc: %s\n", addr)
		}
		fmt.Fprintln(env.Stdout, "configuration OK")
		return nil
	}
	app, err := server.Open(ctx, cfg, env.Stdout, Version, opts...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		app.Close()
		return err
	}
	waitGRPC, err := startGRPC(env, app)
	if err != nil {
		ln.Close()
		app.Close()
		return err
	}
	reload := make(chan struct{}, 1)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	forwardDone := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(forwardDone)
		for {
			select {
			case <-hup:
				select {
				case reload <- struct{}{}:
				default: // a reload is already pending
				}
			case <-stop:
				return
			}
		}
	}()
	defer func() {
		signal.Stop(hup)
		close(stop)
		<-forwardDone
	}()
	err = app.Serve(ctx, ln, reload)
	if gerr := waitGRPC(); err == nil {
		err = gerr
	}
	return err
}
