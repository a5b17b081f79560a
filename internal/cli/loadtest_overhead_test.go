package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestLoadtestOverhead runs two short rounds against the in-process full service and bare
// handler: both answer (no errors), and every round reports both throughputs and their ratio.
func TestLoadtestOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the service")
	}
	code, out, errb := runWithEnv(context.Background(), map[string]string{"MFN_ACCESS_LOG": "sampled:10"},
		"loadtest", "--overhead", "2", "--endpoint", "/nernst", "--duration", "150ms", "--concurrency", "2", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	var res overheadResult
	if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if res.Method != "POST" || res.AccessLog != "sampled:10" || len(res.Rounds) != 2 {
		t.Fatalf("result: %+v", res)
	}
	passing := 0
	for _, r := range res.Rounds {
		if r.FullRPS <= 0 || r.BareRPS <= 0 || r.Ratio != r.FullRPS/r.BareRPS {
			t.Errorf("round %+v", r)
		}
		if r.Ratio >= 0.70 {
			passing++
		}
	}
	if passing != res.Passing {
		t.Errorf("passing %d, counted %d", res.Passing, passing)
	}

	code, _, errb = runWithEnv(context.Background(), nil, "loadtest", "--overhead", "101")
	if code != 2 || !strings.Contains(errb.String(), "--overhead=101") {
		t.Errorf("--overhead=101: exit %d, %s", code, errb.String())
	}
}
