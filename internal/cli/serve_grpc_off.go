//go:build nogrpc

package cli

import (
	"context"

	"mfn/internal/buildinfo"
	"mfn/server"
)

// startGRPC in a build without gRPC (-tags nogrpc): grpcAddr has already refused a set
// MFN_GRPC_ADDR, so there is nothing to serve.
func startGRPC(env *Env, app *server.App) (wait func() error, err error) {
	if _, err := grpcAddr(env); err != nil {
		return nil, err
	}
	return func() error { return nil }, nil
}

// grpcTarget is --grpc's target; without gRPC, grpcTargetOf refuses --grpc.
type grpcTarget struct{ addr, fullName string }

func grpcTargetOf(*loadtestFlags) (*grpcTarget, error) {
	return nil, usagef("--grpc: %v", buildinfo.Missing("grpc"))
}

// runGRPCLoad is never reached: grpcTargetOf fails first.
func runGRPCLoad(context.Context, loadtestFlags) (*loadtestResult, error) {
	return nil, buildinfo.Missing("grpc")
}
