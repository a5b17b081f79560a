//go:build !nogrpc

package buildinfo

const grpc = true
