package grpcapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"mfn/server"
)

// callState is what the interceptors learn about one call, for the handlers and the log.
type callState struct {
	requestID string
	keyID     string
	method    string
	peer      string // the caller's address without the port
}

type callKey struct{}

// callCtx is the call's context carrying its state: one allocation where
// context.WithValue and the state would be two.
type callCtx struct {
	context.Context
	c callState
}

func (x *callCtx) Value(key any) any {
	if key == (callKey{}) {
		return &x.c
	}
	return x.Context.Value(key)
}

// callOf returns the call's state (an empty one outside the interceptors).
func callOf(ctx context.Context) *callState {
	if c, ok := ctx.Value(callKey{}).(*callState); ok {
		return c
	}
	return &callState{}
}

// methodInfo is how a method meets the service's rules: public methods (health, reflection)
// need no key; bucket is the rate-limit bucket, the REST route of the same work, so that a
// key's budget is one across REST and gRPC.
type methodInfo struct {
	public bool
	bucket string
}

const servicePrefix = "/mfn.v1.MfnService/"

var methods = map[string]methodInfo{
	servicePrefix + "Simulate":         {bucket: "/simulate"},
	servicePrefix + "Nernst":           {bucket: "/nernst"},
	servicePrefix + "Validate":         {bucket: "/validate"},
	servicePrefix + "Aggregate":        {bucket: "/federated/aggregate"},
	servicePrefix + "Features":         {bucket: "/simulate"},
	servicePrefix + "Encrypt":          {bucket: "/api/encrypt"},
	servicePrefix + "Decrypt":          {bucket: "/api/decrypt"},
	servicePrefix + "Sign":             {bucket: "/api/sign"},
	servicePrefix + "Verify":           {bucket: "/api/verify"},
	servicePrefix + "Keypair":          {bucket: "/api/keypair"},
	servicePrefix + "StreamSimulation": {bucket: "/sse/simulation_live"},
	servicePrefix + "StreamFeatures":   {bucket: "/sse/stream_features"},
}

// infoOf is the method's info; health and reflection are public, anything else unknown is
// treated as protected (the server answers Unimplemented after the key check).
func infoOf(fullMethod string) methodInfo {
	if mi, ok := methods[fullMethod]; ok {
		return mi
	}
	if strings.HasPrefix(fullMethod, "/grpc.health.v1.") || strings.HasPrefix(fullMethod, "/grpc.reflection.") {
		return methodInfo{public: true}
	}
	return methodInfo{bucket: "/other"}
}

// rules are the service's rules for one call, in the order REST applies them: request ID,
// recovery and access log outermost, then the API key, then the rate limit.
type rules struct {
	t   *server.Transport
	log *slog.Logger
}

// begin starts a call: its request ID (the caller's x-request-id when sane, else a new
// UUID), sent back in the response header; then the key check and the rate limit.
func (ru *rules) begin(ctx context.Context, fullMethod string) (context.Context, *callState, error) {
	cc := &callCtx{Context: ctx, c: callState{method: fullMethod, requestID: server.RequestID(first(ctx, "x-request-id")), peer: peerIP(ctx)}}
	ctx, c := cc, &cc.c
	_ = grpc.SetHeader(ctx, metadata.MD{"x-request-id": {c.requestID}})
	mi := infoOf(fullMethod)
	if mi.public {
		return ctx, c, nil
	}
	id, err := ru.t.Authenticate(ctx, first(ctx, "x-api-key"), c.peer, fullMethod, c.requestID)
	if err != nil {
		return ctx, c, toStatus(err)
	}
	c.keyID = id
	if err := ru.t.Allow(server.Identity(id, c.peer), mi.bucket); err != nil {
		return ctx, c, toStatus(err)
	}
	return ctx, c, nil
}

// end writes the access log line (ERROR for the codes that are the server's fault, as REST
// logs 5xx) and turns a panic into Internal.
func (ru *rules) end(ctx context.Context, c *callState, start time.Time, err *error) {
	if p := recover(); p != nil {
		ru.log.ErrorContext(ctx, "panic in gRPC handler", "method", c.method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		*err = status.Error(codes.Internal, "Internal Server Error")
	}
	code := status.Code(*err)
	level := slog.LevelInfo
	switch code {
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		level = slog.LevelError
	}
	if !ru.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{slog.String("transport", "grpc"), slog.String("method", c.method), slog.String("code", code.String()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("client_ip", c.peer), slog.String("request_id", c.requestID)}
	if level == slog.LevelError && *err != nil {
		attrs = append(attrs, slog.String("error", status.Convert(*err).Message()))
	}
	ru.log.LogAttrs(ctx, level, "request completed", attrs...)
}

func (ru *rules) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	start := time.Now()
	ctx, c, err := ru.begin(ctx, info.FullMethod)
	defer ru.end(ctx, c, start, &err)
	if err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (ru *rules) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	start := time.Now()
	ctx, c, err := ru.begin(ss.Context(), info.FullMethod)
	defer ru.end(ctx, c, start, &err)
	if err != nil {
		return err
	}
	return h(srv, &ctxStream{ServerStream: ss, ctx: ctx})
}

// ctxStream is a server stream with the call's context.
type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }

// first is the first value of an incoming metadata key (lower case), without copying the
// whole metadata as metadata.FromIncomingContext does.
func first(ctx context.Context, key string) string {
	if v := metadata.ValueFromIncomingContext(ctx, key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// peerIP is the caller's address without the port.
func peerIP(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	if a, ok := p.Addr.(*net.TCPAddr); ok && a.Zone == "" && a.IP != nil {
		return a.IP.String() // the host part of a.String(), without formatting the port to split it off
	}
	host, _, err := net.SplitHostPort(p.Addr.String())
	if err != nil {
		return p.Addr.String()
	}
	return host
}
