//go:build !nogrpc

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	mfnv1 "mfn/api/proto/mfn/v1"
	"mfn/grpcapi"
	"mfn/server"
)

// grpcMethods are the gRPC methods of the recorded REST endpoints.
var grpcMethods = map[string]string{"/nernst": "Nernst", "/simulate": "Simulate", "/validate": "Validate",
	"/federated/aggregate": "Aggregate"}

// checkAPIOverGRPC replays the recorded POST cases of the endpoints that have a gRPC method
// through the gRPC API of one dev instance (in memory): the request as its proto, the answer
// compared with the recording as REST's is (numbers exactly, /validate within its
// tolerances, errors by code and by the fields a 422 names).
func checkAPIOverGRPC(cases []apiCase, r *Recorder) error {
	app, err := openAPIApp(map[string]string{"MFN_ENV": "dev"})
	if err != nil {
		return err
	}
	defer app.Close()
	conn, stop, err := serveGRPCInMemory(app)
	if err != nil {
		return err
	}
	defer stop()
	svc := mfnv1.File_mfn_v1_mfn_proto.Services().ByName("MfnService")
	for i, c := range cases {
		name, ok := grpcMethods[c.Path]
		if !ok || c.Method != http.MethodPost {
			continue
		}
		label := fmt.Sprintf("gRPC case %d %s", i, name)
		md := svc.Methods().ByName(protoreflect.Name(name))
		req, err := grpcRequestOf(md, c)
		if err != nil {
			r.Deviation(label, "docs/adr/0025-grpc.md", fmt.Sprintf("the recorded request %s cannot be sent: its proto field types carry the bound (%v)", c.RequestJSON, err))
			continue
		}
		resp := dynamicpb.NewMessage(md.Output())
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = conn.Invoke(ctx, "/mfn.v1.MfnService/"+name, req, resp)
		cancel()
		if d := deviationOf(c); d != nil {
			if got, want := status.Code(err), grpcCodeOf(d.status); got == want {
				r.Deviation(label, d.adr, fmt.Sprintf("%s (reference %d, ours %s)", d.why, c.Status, got))
			} else {
				r.Case(label, fmt.Errorf("documented deviation (%s) expects %s, got %v", d.adr, want, err))
			}
			continue
		}
		r.Case(label, compareGRPC(c, resp, err))
	}
	return nil
}

// serveGRPCInMemory serves app's gRPC API over an in-memory listener.
func serveGRPCInMemory(app *server.App) (*grpc.ClientConn, func(), error) {
	gs, err := grpcapi.New(app.Transport())
	if err != nil {
		return nil, nil, err
	}
	lis := bufconn.Listen(1 << 20)
	go func() { _ = gs.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///conformance",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	stop := func() {
		if conn != nil {
			conn.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		gs.Shutdown(ctx)
	}
	if err != nil {
		stop()
		return nil, nil, err
	}
	return conn, stop, nil
}

// grpcRequestOf is the recorded REST body as the method's request (protojson takes the proto
// field names, which are the REST names; gradients become Gradient messages).
func grpcRequestOf(md protoreflect.MethodDescriptor, c apiCase) (proto.Message, error) {
	body := c.RequestJSON
	if c.Path == "/federated/aggregate" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		var rows []json.RawMessage
		if err := json.Unmarshal(m["gradients"], &rows); err != nil {
			return nil, err
		}
		msgs := make([]map[string]json.RawMessage, len(rows))
		for i, row := range rows {
			msgs[i] = map[string]json.RawMessage{"values": row}
		}
		m["gradients"], _ = json.Marshal(msgs)
		body, _ = json.Marshal(m)
	}
	req := dynamicpb.NewMessage(md.Input())
	return req, protojson.Unmarshal(body, req)
}

// deviationOf is the documented deviation a recorded case falls under, or nil.
func deviationOf(c apiCase) *apiDeviation {
	for i := range apiDeviations {
		if apiDeviations[i].match(c) {
			return &apiDeviations[i]
		}
	}
	return nil
}

// compareGRPC checks a gRPC answer against the recorded REST exchange.
func compareGRPC(c apiCase, resp proto.Message, err error) error {
	st := status.Convert(err)
	if want := grpcCodeOf(c.Status); st.Code() != want {
		return fmt.Errorf("code %s (%s), want %s (REST %d)", st.Code(), st.Message(), want, c.Status)
	}
	if c.Status == http.StatusUnprocessableEntity {
		return compareViolations(c, st)
	}
	if st.Code() != codes.OK {
		var want struct{ Detail any }
		if json.Unmarshal(c.ResponseJSON, &want) == nil && want.Detail != nil {
			if s, ok := want.Detail.(string); ok && s != st.Message() {
				return fmt.Errorf("message %q, want %q", st.Message(), s)
			}
		}
		return nil
	}
	b, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}.Marshal(resp)
	if err != nil {
		return err
	}
	var got, want map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		return err
	}
	if err := json.Unmarshal(c.ResponseJSON, &want); err != nil {
		return err
	}
	restShaped := map[string]any{}
	for k := range want { // the proto names are the REST names in lower case
		v, ok := got[strings.ToLower(k)]
		if !ok {
			return fmt.Errorf("field %s missing from the gRPC response", k)
		}
		if s, isStr := v.(string); isStr { // int64 in the JSON mapping
			if n, err := strconv.ParseFloat(s, 64); err == nil {
				v = n
			}
		}
		if vs, isList := v.([]any); isList && c.Path == "/federated/aggregate" {
			for i, e := range vs { // float32 values: protojson writes their shortest float32 text
				if f, ok := e.(float64); ok {
					vs[i] = float64(float32(f))
				}
			}
		}
		restShaped[k] = v
	}
	return compareJSON("", want, restShaped, c.Path)
}

// compareViolations checks that a 422's field violations name the recorded locations.
func compareViolations(c apiCase, st *status.Status) error {
	var want struct {
		Detail []struct {
			Loc []any `json:"loc"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(c.ResponseJSON, &want); err != nil {
		return err
	}
	var got []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.FieldViolations {
				got = append(got, v.Field)
			}
		}
	}
	var wantFields []string
	for _, is := range want.Detail {
		var parts []string
		for _, p := range is.Loc[1:] {
			parts = append(parts, fmt.Sprint(p))
		}
		wantFields = append(wantFields, strings.Join(parts, "."))
	}
	if !reflect.DeepEqual(got, wantFields) {
		return fmt.Errorf("field violations %v, want %v (%s)", got, wantFields, st.Message())
	}
	return nil
}

// grpcCodeOf is the gRPC code of a REST status (docs/grpc.md).
func grpcCodeOf(status int) codes.Code {
	switch status {
	case http.StatusOK:
		return codes.OK
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusTooManyRequests, http.StatusRequestEntityTooLarge:
		return codes.ResourceExhausted
	case http.StatusServiceUnavailable:
		return codes.Unavailable
	}
	return codes.Internal
}
