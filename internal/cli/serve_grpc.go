//go:build !nogrpc

package cli

import (
	"context"
	"fmt"
	"net"
	"time"

	"mfn/grpcapi"
	"mfn/server"
)

// startGRPC serves the gRPC API on MFN_GRPC_ADDR beside REST (docs/grpc.md). The App stops it
// gracefully on shutdown, alongside REST; wait stops it (at once, if REST ended without a
// shutdown) and returns its serving error. With the variable empty it does nothing.
func startGRPC(env *Env, app *server.App) (wait func() error, err error) {
	addr, err := grpcAddr(env)
	if err != nil {
		return nil, err
	}
	if addr == "" {
		return func() error { return nil }, nil
	}
	gs, err := grpcapi.New(app.Transport())
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", grpcAddrVar, err)
	}
	app.OnShutdown(gs.Shutdown)
	served := make(chan error, 1)
	go func() { served <- gs.Serve(ln) }()
	app.Logger().Info("listening", "addr", ln.Addr().String(), "transport", "grpc", "tls", app.Transport().TLSConfig() != nil)
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		gs.Shutdown(ctx) // a no-op after the App's graceful stop
		return <-served
	}, nil
}
