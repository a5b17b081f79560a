//go:build !nogrpc

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRawGRPCClient drives the raw client against the real gRPC server: answers, the status
// codes of refusals, a request larger than the server's flow-control windows and frame size
// (sent in frames as the windows allow), and a connection's many calls (the indexed header
// block after the first call).
func TestRawGRPCClient(t *testing.T) {
	addr := grpcTestServer(t, map[string]string{"MFN_API_KEY_REQUIRED": "true", "MFN_API_KEY": "secret-key",
		"MFN_RATE_LIMIT_ENABLED": "false", "MFN_MAX_BODY_BYTES": "8388608"})
	run := func(t *testing.T, key, endpoint, body string) *rawGRPCRequester {
		t.Helper()
		f := loadtestFlags{url: addr, endpoint: endpoint, body: body, apiKey: key, timeout: 30 * time.Second, grpc: true,
			grpcClient: "raw", grpcConns: 1, concurrency: 1, duration: time.Minute, format: "json"}
		tgt, err := grpcTargetOf(&f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := newRawGRPCRequester(tgt, f)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.close)
		return r
	}
	ctx := context.Background()
	t.Run("answers", func(t *testing.T) {
		r := run(t, "secret-key", "/nernst", "")
		for i := range 50 {
			if code, err := r.do(ctx); code != http.StatusOK || err != nil {
				t.Fatalf("call %d: %d %v", i, code, err)
			}
		}
		if r.stream != 99 {
			t.Errorf("50 calls on one connection used streams up to %d, want 99", r.stream)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		for _, c := range []struct {
			key, endpoint, body string
			want                int
		}{
			{"", "/nernst", "", http.StatusUnauthorized},
			{"wrong", "/nernst", "", http.StatusUnauthorized},
			{"secret-key", "Simulate", `{"grid_size":7}`, http.StatusBadRequest},
			{"secret-key", "Nernst", `{"z_valence":0,"concentration_out_molar":1,"concentration_in_molar":1}`, http.StatusBadRequest},
		} {
			r := run(t, c.key, c.endpoint, c.body)
			for range 2 { // the second on the same connection
				if code, err := r.do(ctx); code != c.want || err != nil {
					t.Errorf("%+v: %d %v", c, code, err)
				}
			}
		}
	})
	t.Run("large request", func(t *testing.T) {
		// 40 gradients of 10,000 values: 1.6 MB of float32, beyond the server's 1 MiB windows
		// and the 16 KiB frames.
		var b strings.Builder
		b.WriteString(`{"gradients":[`)
		for g := range 40 {
			if g > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"values":[`)
			for i := range 10000 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%d.5", (g*7+i)%13-6)
			}
			b.WriteString(`]}`)
		}
		b.WriteString(`],"num_clusters":2,"byzantine_fraction":0.1}`)
		r := run(t, "secret-key", "Aggregate", b.String())
		if len(r.msg) < 1<<20+1<<19 {
			t.Fatalf("the request is only %d bytes", len(r.msg))
		}
		for i := range 3 {
			if code, err := r.do(ctx); code != http.StatusOK || err != nil {
				t.Fatalf("call %d: %d %v", i, code, err)
			}
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		f := loadtestFlags{url: "127.0.0.1:1", endpoint: "Nernst", timeout: time.Second, grpc: true, grpcClient: "raw"}
		tgt, err := grpcTargetOf(&f)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := newRawGRPCRequester(tgt, f)
		if _, err := r.do(ctx); err == nil {
			t.Error("a call to a closed port succeeded")
		}
	})
}

// TestLoadtestGRPCClients runs the same load with both clients: the same statuses.
func TestLoadtestGRPCClients(t *testing.T) {
	addr := grpcTestServer(t, map[string]string{"MFN_RATE_LIMIT_ENABLED": "false"})
	for _, client := range []string{"raw", "grpc-go"} {
		code, out, errb := runWithEnv(context.Background(), nil, "loadtest", "--grpc", "--grpc-client", client, "--url", addr,
			"--endpoint", "Nernst", "--concurrency", "3", "--requests", "30", "--duration", "30s", "--format", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s %s", client, code, out.String(), errb.String())
		}
		var res loadtestResult
		if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
			t.Fatal(err)
		}
		if res.Requests != 30 || res.Statuses["200"] != 30 {
			t.Errorf("%s: %+v", client, res)
		}
	}
	code, _, errb := runWithEnv(context.Background(), nil, "loadtest", "--grpc", "--grpc-client", "fast", "--url", addr)
	if code != 2 || !strings.Contains(errb.String(), "--grpc-client") {
		t.Errorf("an unknown client: exit %d, %s", code, errb.String())
	}
}
