package grpcapi

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// Every method of mfn.v1.MfnService is served by MFN's own code: none falls through to the
// generated UnimplementedMfnServiceServer (embedded only for forward compatibility), whose
// answer would be Unimplemented. Each unary method is called with an empty request (an empty
// message's bytes decode as any request type) and must answer or refuse with MFN's own
// validation error, never Unimplemented; each stream is opened the same way.
func TestEveryMethodImplemented(t *testing.T) {
	h := newHarness(t, nil)
	desc := mfnv1.MfnService_ServiceDesc
	if len(desc.Methods) != 10 || len(desc.Streams) != 2 {
		t.Fatalf("the service has %d unary methods and %d streams, want 10 and 2 (update this test)", len(desc.Methods), len(desc.Streams))
	}
	for _, m := range desc.Methods {
		var out emptypb.Empty
		err := h.conn.Invoke(context.Background(), "/"+desc.ServiceName+"/"+m.MethodName, &emptypb.Empty{}, &out)
		if status.Code(err) == codes.Unimplemented {
			t.Errorf("%s: %v", m.MethodName, err)
		}
	}
	for _, s := range desc.Streams {
		ctx, cancel := context.WithCancel(context.Background())
		cs, err := h.conn.NewStream(ctx, &grpc.StreamDesc{StreamName: s.StreamName, ServerStreams: true},
			"/"+desc.ServiceName+"/"+s.StreamName)
		if err == nil {
			err = cs.SendMsg(&emptypb.Empty{})
		}
		if err == nil {
			err = cs.CloseSend()
		}
		if err == nil {
			var out emptypb.Empty
			err = cs.RecvMsg(&out)
		}
		cancel()
		if status.Code(err) == codes.Unimplemented {
			t.Errorf("%s: %v", s.StreamName, err)
		}
	}
}
