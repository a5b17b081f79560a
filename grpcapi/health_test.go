package grpcapi

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

func healthCheck(ctx context.Context, conn *grpc.ClientConn) (healthpb.HealthCheckResponse_ServingStatus, error) {
	r, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "mfn.v1.MfnService"})
	if err != nil {
		return 0, err
	}
	return r.Status, nil
}

// TestHealthFollowsReadiness: SERVING while /ready passes, NOT_SERVING once shutdown begins.
func TestHealthFollowsReadiness(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if st, err := healthCheck(ctx, h.conn); err != nil || st != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("%v %v, want SERVING", st, err)
	}
	h.gs.health.Shutdown() // what Shutdown does first
	if st, err := healthCheck(ctx, h.conn); err != nil || st != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("%v %v, want NOT_SERVING", st, err)
	}
}

// TestReflectionListsServices: grpcurl's `list` works without the proto files.
func TestReflectionListsServices(t *testing.T) {
	h := newHarness(t, nil)
	stream, err := reflectionpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range resp.GetListServicesResponse().GetService() {
		got[s.Name] = true
	}
	for _, want := range []string{"mfn.v1.MfnService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} {
		if !got[want] {
			t.Errorf("reflection lists %v, missing %s", got, want)
		}
	}
	_ = stream.CloseSend()
}
