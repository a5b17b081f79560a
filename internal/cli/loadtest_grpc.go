//go:build !nogrpc

package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// grpcMethodOf maps the REST paths --endpoint takes to the gRPC methods that do the same work
// (a method name is taken as is).
var grpcMethodOf = map[string]string{
	"/simulate": "Simulate", "/nernst": "Nernst", "/validate": "Validate", "/federated/aggregate": "Aggregate",
	"/api/encrypt": "Encrypt", "/api/sign": "Sign", "/ws/simulation_live": "StreamSimulation",
	"/sse/simulation_live": "StreamSimulation",
}

// grpcLoadtestBodies are the default requests (protojson): the REST defaults' inputs.
var grpcLoadtestBodies = map[string]string{
	"Nernst":   `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}`,
	"Simulate": `{"seed":42,"grid_size":64,"steps":64}`,
	"Features": `{"seed":42,"grid_size":64,"steps":64}`,
	"Validate": `{"seed":42,"epochs":1,"batch_size":4,"grid_size":32,"steps":32}`,
	"Aggregate": `{"gradients":[{"values":[0.35,0.82,0.33,-1.3,0.91]},{"values":[0.45,-0.54,0.58,0.36,0.29]},` +
		`{"values":[0.03,0.55,-0.74,-0.16,-0.48]},{"values":[0.6,0.04,-0.29,-0.78,-0.26]},{"values":[0.01,-0.28,1.29,1.01,-2.71]},` +
		`{"values":[-1.89,-0.17,-0.42,0.21,0.22]}],"num_clusters":2,"byzantine_fraction":0.2}`,
	"Encrypt":          `{"plaintext":"aGVsbG8gd29ybGQ="}`,
	"Sign":             `{"message":"aGVsbG8gd29ybGQ="}`,
	"StreamSimulation": `{"grid_size":64,"steps":64,"update_interval_steps":8}`,
	"StreamFeatures":   `{"update_interval_ms":10}`,
}

// grpcTarget is a --grpc run's resolved target: the address, TLS, the method and its request.
type grpcTarget struct {
	addr     string
	tls      bool
	method   protoreflect.MethodDescriptor
	fullName string
	request  proto.Message
}

// grpcTargetOf resolves --url (host:port, or http:// / https:// for plaintext / TLS),
// --endpoint (a REST path or a method name of mfn.v1.MfnService) and --body (protojson).
func grpcTargetOf(f *loadtestFlags) (*grpcTarget, error) {
	t := &grpcTarget{addr: f.url}
	if strings.Contains(f.url, "://") {
		u, err := url.Parse(f.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: --url=%q: with --grpc, host:port, http://host:port or https://host:port", errUsage, f.url)
		}
		t.addr, t.tls = u.Host, u.Scheme == "https"
	}
	name := strings.TrimPrefix(f.endpoint, "/mfn.v1.MfnService/")
	if m, ok := grpcMethodOf[name]; ok {
		name = m
	}
	sd := mfnv1.File_mfn_v1_mfn_proto.Services().ByName("MfnService")
	t.method = sd.Methods().ByName(protoreflect.Name(name))
	if t.method == nil {
		var names []string
		for i := 0; i < sd.Methods().Len(); i++ {
			names = append(names, string(sd.Methods().Get(i).Name()))
		}
		return nil, fmt.Errorf("%w: --endpoint=%q: with --grpc, a method of mfn.v1.MfnService (%s) or its REST path",
			errUsage, f.endpoint, strings.Join(names, ", "))
	}
	if t.method.IsStreamingClient() {
		return nil, fmt.Errorf("%w: --endpoint=%s: client streaming is not supported", errUsage, name)
	}
	t.fullName = "/mfn.v1.MfnService/" + name
	body := f.body
	if body == "" || body == loadtestBodies[f.endpoint] {
		body = grpcLoadtestBodies[name]
	}
	if body == "" {
		body = "{}"
	}
	req := newMessage(t.method.Input())
	if err := protojson.Unmarshal([]byte(body), req); err != nil {
		return nil, fmt.Errorf("%w: --body for %s (protojson of %s): %v", errUsage, name, t.method.Input().FullName(), err)
	}
	t.request = req
	return t, nil
}

// grpcRequester sends the run's request with grpc-go over a connection it may share with other
// workers: a unary call, or a whole server stream read to its end. A load generator must cost
// the machine far less than the server it measures (the REST one speaks raw HTTP/1.1 for this
// reason; rawGRPCRequester is the cheaper choice for unary calls), so a call allocates as
// little as grpc-go lets it: the request, the response
// message and the context with the key's metadata are made once, a call gets a deadline of
// its own only when --timeout ends before the run, and the flow-control windows are static
// (grpc-go's dynamic windows ping the peer after nearly every response, a round trip of
// frames per call).
type grpcRequester struct {
	t    *grpcTarget
	f    loadtestFlags
	conn *grpc.ClientConn // shared with other workers; runGRPCLoad closes it
	resp proto.Message
	// parent is the context the last call came with, md the same with the key's metadata.
	parent, md context.Context
}

// grpcLoadWindow is the load generator's static HTTP/2 flow-control window (per stream and
// per connection): larger than any default response, so that no call waits for a window
// update.
const grpcLoadWindow = 1 << 20

// dialGRPC is one connection of the run (grpc-go connects on the first call).
func dialGRPC(t *grpcTarget, f loadtestFlags) (*grpc.ClientConn, error) {
	creds := insecure.NewCredentials()
	if t.tls {
		creds = credentials.NewTLS(&tls.Config{InsecureSkipVerify: f.insecure})
	}
	return grpc.NewClient(t.addr, grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)),
		grpc.WithStaticStreamWindowSize(grpcLoadWindow), grpc.WithStaticConnWindowSize(grpcLoadWindow))
}

// runGRPCLoad runs the load: unary plaintext calls with the raw client (rawGRPCRequester, a
// connection per worker, as REST's), unless --grpc-client grpc-go; streams, TLS and
// --grpc-client grpc-go with grpc-go's client, the workers sharing --grpc-conns connections,
// each carrying its share of the workers' calls side by side (HTTP/2 multiplexes them; one
// connection per server is how a gRPC client normally calls it).
func runGRPCLoad(ctx context.Context, f loadtestFlags) (*loadtestResult, error) {
	t := f.grpcTarget
	if f.grpcClient == "raw" && !t.tls && !t.method.IsStreamingServer() {
		if _, err := newRawGRPCRequester(t, f); err != nil { // the request marshals
			return nil, err
		}
		return runLoad(ctx, f, t.addr+t.fullName, func() requester {
			r, _ := newRawGRPCRequester(t, f)
			return r
		})
	}
	conns := make([]*grpc.ClientConn, min(f.grpcConns, f.concurrency))
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range conns {
		c, err := dialGRPC(t, f)
		if err != nil {
			return nil, err
		}
		conns[i] = c
	}
	var next atomic.Int64
	return runLoad(ctx, f, t.addr+t.fullName, func() requester {
		c := conns[int(next.Add(1)-1)%len(conns)]
		return &grpcRequester{t: t, f: f, conn: c, resp: newMessage(t.method.Output())}
	})
}

// callContext is the context of one call: ctx with the key's metadata (built once per ctx)
// and, when --timeout ends before ctx does, that deadline.
func (g *grpcRequester) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx != g.parent {
		g.parent, g.md = ctx, ctx
		if g.f.apiKey != "" {
			g.md = metadata.NewOutgoingContext(ctx, metadata.Pairs("x-api-key", g.f.apiKey))
		}
	}
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= g.f.timeout {
		return g.md, func() {}
	}
	return context.WithTimeout(g.md, g.f.timeout)
}

// do returns the HTTP status equivalent of the call's gRPC code (200 for OK), so that the
// report's statuses and error count read as for REST.
func (g *grpcRequester) do(ctx context.Context) (int, error) {
	ctx, cancel := g.callContext(ctx)
	defer cancel()
	var err error
	if g.t.method.IsStreamingServer() {
		err = g.stream(ctx)
	} else {
		err = g.conn.Invoke(ctx, g.t.fullName, g.t.request, g.resp)
	}
	st := status.Convert(err)
	switch st.Code() {
	case codes.OK:
		return http.StatusOK, nil
	case codes.Canceled, codes.DeadlineExceeded:
		// The call's deadline (the run's end, or --timeout) passed: a failure to answer, not
		// an answer, whether the client or the server noticed it first.
		if d, ok := ctx.Deadline(); ctx.Err() != nil || ok && time.Until(d) < 20*time.Millisecond {
			return 0, err
		}
	}
	return httpStatusOf(st.Code()), nil
}

func (g *grpcRequester) stream(ctx context.Context) error {
	desc := &grpc.StreamDesc{StreamName: string(g.t.method.Name()), ServerStreams: true}
	cs, err := g.conn.NewStream(ctx, desc, g.t.fullName)
	if err != nil {
		return err
	}
	if err := cs.SendMsg(g.t.request); err != nil {
		return err
	}
	if err := cs.CloseSend(); err != nil {
		return err
	}
	for {
		if err := cs.RecvMsg(g.resp); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// newMessage is a message of the generated type of md (generated code marshals several
// times faster than dynamicpb's reflection: the load generator must cost little).
func newMessage(md protoreflect.MessageDescriptor) proto.Message {
	if mt, err := protoregistry.GlobalTypes.FindMessageByName(md.FullName()); err == nil {
		return mt.New().Interface()
	}
	return dynamicpb.NewMessage(md)
}

func (g *grpcRequester) close() {}

// httpStatusOf is the HTTP status a gRPC code stands for (as grpc-gateway maps them).
func httpStatusOf(c codes.Code) int {
	switch c {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted:
		return http.StatusConflict
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	case codes.Unimplemented:
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}
