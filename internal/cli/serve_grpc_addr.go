package cli

import (
	"fmt"
	"net"

	"mfn/internal/buildinfo"
)

// grpcAddrVar names the gRPC listen address; empty (the default) leaves gRPC off.
const grpcAddrVar = "MFN_GRPC_ADDR"

// grpcAddr is MFN_GRPC_ADDR, checked ("" when gRPC is off).
func grpcAddr(env *Env) (string, error) {
	addr := env.Getenv(grpcAddrVar)
	if addr == "" {
		return "", nil
	}
	if !buildinfo.Has("grpc") {
		return "", &ExitError{Code: 2, Err: fmt.Errorf("%s=%q: %v (or unset it: REST only)", grpcAddrVar, addr, buildinfo.Missing("grpc"))}
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", &ExitError{Code: 2, Err: fmt.Errorf("%s=%q: must be host:port or :port (%v)", grpcAddrVar, addr, err)}
	}
	return addr, nil
}
