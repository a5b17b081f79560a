//go:build !nogrpc

package cli

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"mfn/grpcapi"
	"mfn/server"
)

// grpcTestServer serves a service's gRPC API on a loopback port with env's configuration.
func grpcTestServer(t *testing.T, env map[string]string) string {
	t.Helper()
	cfg, err := server.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	app, err := server.Open(context.Background(), cfg, &strings.Builder{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	gs, err := grpcapi.New(app.Transport())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		gs.Shutdown(ctx)
		app.Close()
	})
	return ln.Addr().String()
}

func TestLoadtestGRPC(t *testing.T) {
	addr := grpcTestServer(t, map[string]string{"MFN_API_KEY_REQUIRED": "true", "MFN_API_KEY": "secret-key",
		"MFN_RATE_LIMIT_ENABLED": "false", "MFN_STREAM_MIN_FRAME_INTERVAL": "1ms"})
	for _, c := range []struct {
		endpoint string
		requests int
	}{{"/nernst", 40}, {"Simulate", 4}, {"StreamSimulation", 2}} {
		code, out, errb := runWithEnv(context.Background(), map[string]string{"MFN_LOADTEST_API_KEY": "secret-key"},
			"loadtest", "--grpc", "--url", addr, "--endpoint", c.endpoint, "--concurrency", "2", "--requests",
			itoa(c.requests), "--duration", "30s", "--format", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s %s", c.endpoint, code, out.String(), errb.String())
		}
		var res loadtestResult
		if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
			t.Fatal(err)
		}
		if res.Requests != c.requests || res.Errors != 0 || res.Statuses["200"] != c.requests || res.Method != "gRPC" {
			t.Errorf("%s: %+v", c.endpoint, res)
		}
	}
	// Without the key every call is Unauthenticated: counted as 401s, and the exit status says so.
	code, out, _ := runWithEnv(context.Background(), nil, "loadtest", "--grpc", "--url", addr, "--endpoint", "Nernst",
		"--requests", "3", "--concurrency", "1")
	if code != 1 || !strings.Contains(out.String(), "401×3") {
		t.Errorf("without a key: exit %d\n%s", code, out.String())
	}
	code, _, errb := runWithEnv(context.Background(), nil, "loadtest", "--grpc", "--url", addr, "--endpoint", "Nope")
	if code != 2 || !strings.Contains(errb.String(), "Simulate") {
		t.Errorf("an unknown method: exit %d, %s", code, errb.String())
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestServeGRPCAddr(t *testing.T) {
	code, out, errb := runWithEnv(context.Background(), map[string]string{"MFN_GRPC_ADDR": "127.0.0.1:9090"}, "serve", "--check-config")
	if code != 0 || !strings.Contains(out.String(), "grpc: 127.0.0.1:9090") {
		t.Errorf("good address: %d %s %s", code, out.String(), errb.String())
	}
	code, _, errb = runWithEnv(context.Background(), map[string]string{"MFN_GRPC_ADDR": "9090"}, "serve", "--check-config")
	if code != 2 || !strings.Contains(errb.String(), `MFN_GRPC_ADDR="9090"`) {
		t.Errorf("bad address: %d %s", code, errb.String())
	}
}
