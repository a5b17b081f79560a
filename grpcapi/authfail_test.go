package grpcapi

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// Failed authentications over gRPC count against the caller's address as over REST: after
// the burst even the right key is refused with ResourceExhausted until the address cools down.
func TestFailedAuthenticationIsRateLimited(t *testing.T) {
	h := newHarness(t, map[string]string{"MFN_API_KEY_REQUIRED": "true", "MFN_API_KEY": testKey,
		"MFN_AUTH_FAILURE_BURST": "3", "MFN_AUTH_FAILURE_INTERVAL": "1m"})
	ctx := context.Background()
	req := &mfnv1.NernstRequest{ConcentrationOutMolar: ptr(0.005), ConcentrationInMolar: ptr(0.14)}
	for i := 0; i < 3; i++ {
		if _, err := h.client.Nernst(withKey(ctx, "wrong"), req); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("attempt %d: %v, want Unauthenticated", i, err)
		}
	}
	_, err := h.client.Nernst(withKey(ctx, testKey), req)
	if st := status.Convert(err); st.Code() != codes.ResourceExhausted {
		t.Fatalf("the right key after the burst: %v, want ResourceExhausted", err)
	}
}
