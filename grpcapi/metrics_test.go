package grpcapi

import (
	"context"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/test/bufconn"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// TestMetricsMatchProvider: the gRPC server metrics expose what go-grpc-middleware's
// Prometheus provider exposes for the same calls — the same families (names, help, types),
// the same series (every registered method's, from the start), the same counts by method and
// code (OK, InvalidArgument, Unauthenticated, a public health check, a server stream), and
// the same histogram buckets and observation counts. The reference server runs the same
// service behind the same rules, with the provider's interceptors chained in front as before.
func TestMetricsMatchProvider(t *testing.T) {
	h := newHarness(t, map[string]string{"MFN_API_KEY_REQUIRED": "true", "MFN_API_KEY": testKey,
		"MFN_STREAM_MIN_FRAME_INTERVAL": "1ms"})
	tr := h.app.Transport()
	prov := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets(handlingBuckets)))
	ru := &rules{t: tr, log: tr.Logger()}
	ref := grpc.NewServer(
		grpc.ChainUnaryInterceptor(prov.UnaryServerInterceptor(), func(ctx context.Context, req any, info *grpc.UnaryServerInfo, hd grpc.UnaryHandler) (any, error) {
			return ru.unaryRules(ctx, req, info, hd, time.Now())
		}),
		grpc.ChainStreamInterceptor(prov.StreamServerInterceptor(), func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, hd grpc.StreamHandler) error {
			return ru.streamRules(srv, ss, info, hd, time.Now())
		}))
	mfnv1.RegisterMfnServiceServer(ref, &service{t: tr})
	healthpb.RegisterHealthServer(ref, h.gs.health)
	reflection.Register(ref)
	prov.InitializeMetrics(ref)
	refReg := prometheus.NewPedanticRegistry()
	refReg.MustRegister(prov)
	lis := bufconn.Listen(1 << 20)
	go func() { _ = ref.Serve(lis) }()
	t.Cleanup(ref.Stop)
	refConn, err := grpc.NewClient("passthrough:///ref",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { refConn.Close() })

	for _, conn := range []*grpc.ClientConn{h.conn, refConn} {
		c := mfnv1.NewMfnServiceClient(conn)
		keyed := withKey(context.Background(), testKey)
		for range 2 {
			if _, err := c.Simulate(keyed, &mfnv1.SimulateRequest{GridSize: ptr[int32](16), Steps: ptr[int32](4)}); err != nil {
				t.Fatal(err)
			}
		}
		_, _ = c.Simulate(keyed, &mfnv1.SimulateRequest{GridSize: ptr[int32](4)})
		_, _ = c.Nernst(context.Background(), &mfnv1.NernstRequest{})
		if _, err := c.Nernst(keyed, &mfnv1.NernstRequest{ZValence: ptr[int32](1), ConcentrationOutMolar: ptr(0.005),
			ConcentrationInMolar: ptr(0.14), TemperatureK: ptr(310.0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := healthCheck(context.Background(), conn); err != nil {
			t.Fatal(err)
		}
		st, err := c.StreamSimulation(keyed, &mfnv1.StreamSimulationRequest{Seed: ptr[uint64](9), GridSize: ptr[int32](16),
			Steps: ptr[int32](8), UpdateIntervalSteps: ptr[int32](4)})
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := st.Recv(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
	}
	got, want := exposition(t, h.app.Metrics().Registry()), exposition(t, refReg)
	if got != want {
		t.Errorf("the gRPC metrics differ from the provider's:\n--- ours\n%s\n--- provider\n%s", got, want)
	}
	for _, line := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="Simulate",grpc_service="mfn.v1.MfnService",grpc_type="unary"} 2`,
		`grpc_server_handled_total{grpc_code="InvalidArgument",grpc_method="Simulate",grpc_service="mfn.v1.MfnService",grpc_type="unary"} 1`,
		`grpc_server_handled_total{grpc_code="Unauthenticated",grpc_method="Nernst",grpc_service="mfn.v1.MfnService",grpc_type="unary"} 1`,
		`grpc_server_msg_sent_total{grpc_method="StreamSimulation",grpc_service="mfn.v1.MfnService",grpc_type="server_stream"} 3`,
		`grpc_server_handling_seconds count{grpc_method="Check",grpc_service="grpc.health.v1.Health",grpc_type="unary"} 1`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("missing %s in\n%s", line, got)
		}
	}
}

// exposition is the grpc_server_* families of reg as text: help, type, and each series'
// labels and value (a histogram's bucket bounds and observation count; its sum and bucket
// counts are times).
func exposition(t *testing.T, reg prometheus.Gatherer) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "grpc_server_") {
			continue
		}
		lines = append(lines, fmt.Sprintf("# %s %s %s", mf.GetName(), mf.GetType(), mf.GetHelp()))
		for _, m := range mf.GetMetric() {
			labels := labelText(m.GetLabel())
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				lines = append(lines, fmt.Sprintf("%s%s %v", mf.GetName(), labels, m.GetCounter().GetValue()))
			case dto.MetricType_HISTOGRAM:
				var bounds []string
				for _, b := range m.GetHistogram().GetBucket() {
					bounds = append(bounds, fmt.Sprint(b.GetUpperBound()))
				}
				lines = append(lines, fmt.Sprintf("%s buckets%s %s", mf.GetName(), labels, strings.Join(bounds, ",")),
					fmt.Sprintf("%s count%s %d", mf.GetName(), labels, m.GetHistogram().GetSampleCount()))
			default:
				lines = append(lines, fmt.Sprintf("%s%s unexpected type", mf.GetName(), labels))
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func labelText(ls []*dto.LabelPair) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprintf("%s=%q", l.GetName(), l.GetValue())
	}
	return "{" + strings.Join(parts, ",") + "}"
}
