package grpcapi

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind (servers, streams, the
// readiness poll, client connections).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
