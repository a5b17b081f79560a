//go:build nogrpc

package conformance

import (
	"fmt"

	"mfn/internal/buildinfo"
)

// checkAPIOverGRPC: a build without gRPC (-tags nogrpc) has no gRPC API to replay the
// recorded cases through; the REST checks ran, and the note says what was not checked.
func checkAPIOverGRPC(_ []apiCase, r *Recorder) error {
	fmt.Fprintf(r.out, "NOTE %s: the gRPC replay of the recorded cases is not run: %v\n", r.File, buildinfo.Missing("grpc"))
	return nil
}
