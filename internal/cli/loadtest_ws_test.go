package cli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"mfn/server"
)

// --ws against the real service in-process: every client connects and gets frames; the
// server's gauges are read from /metrics, and its streams are all closed afterwards.
func TestLoadtestWS(t *testing.T) {
	cfg, err := server.LoadConfig(func(k string) string { return map[string]string{"MFN_LOG_LEVEL": "error"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	var logs nopWriter
	app, err := server.Open(context.Background(), cfg, logs, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	code, out, errb := runWithEnv(context.Background(), nil, "loadtest", "--ws", "--url", srv.URL, "--concurrency", "3",
		"--duration", "400ms", "--interval", "20", "--stream", "simulation_live", "--format", "json")
	var res wsResult
	if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", code, err, out.String(), errb.String())
	}
	if code != 0 || res.Connected != 3 || res.Frames < 3 || res.ClosedEarly != 0 || res.ServerAfter["mfn_stream_connections"] != 0 ||
		res.ServerDuring["mfn_stream_connections"] != 3 {
		t.Fatalf("exit %d, %+v", code, res)
	}
	if code, _, _ := runWithEnv(context.Background(), nil, "loadtest", "--ws", "--stream", "video"); code != 2 {
		t.Errorf("--stream video: exit %d", code)
	}
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
