// Command mfn is the MyceliumFractalNet engine: simulation, analysis, conformance and benchmarks.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"mfn/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
