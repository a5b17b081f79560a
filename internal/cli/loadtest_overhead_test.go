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
		"loadtest", "--overhead", "2", "--endpoint", "/nernst", "--duration", "150ms", "--slice", "50ms", "--warmup", "50ms",
		"--concurrency", "2", "--format", "json")
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
	if res.SliceSeconds != 0.05 || res.WarmupSeconds != 0.05 {
		t.Errorf("slice %v, warm-up %v", res.SliceSeconds, res.WarmupSeconds)
	}
	passing, cpuPassing := 0, 0
	for _, r := range res.Rounds {
		if r.FullRPS <= 0 || r.BareRPS <= 0 || r.Ratio != r.FullRPS/r.BareRPS {
			t.Errorf("round %+v", r)
		}
		// This process's CPU time is read on every platform the tests run on (unix).
		if r.FullPerCPUSecond <= 0 || r.BarePerCPUSecond <= 0 || r.CPURatio != r.FullPerCPUSecond/r.BarePerCPUSecond {
			t.Errorf("round %+v: CPU figures", r)
		}
		if r.Ratio >= 0.70 {
			passing++
		}
		if r.CPURatio >= 0.70 {
			cpuPassing++
		}
	}
	if passing != res.Passing || cpuPassing != res.CPUPassing {
		t.Errorf("passing %d/%d, counted %d/%d", res.Passing, res.CPUPassing, passing, cpuPassing)
	}
	lo, hi := min(res.Rounds[0].Ratio, res.Rounds[1].Ratio), max(res.Rounds[0].Ratio, res.Rounds[1].Ratio)
	if res.Min != lo || res.Max != hi || res.Median != (lo+hi)/2 {
		t.Errorf("spread: median %v min %v max %v of %v, %v", res.Median, res.Min, res.Max, lo, hi)
	}

	code, _, errb = runWithEnv(context.Background(), nil, "loadtest", "--overhead", "101")
	if code != 2 || !strings.Contains(errb.String(), "--overhead=101") {
		t.Errorf("--overhead=101: exit %d, %s", code, errb.String())
	}
	code, _, errb = runWithEnv(context.Background(), nil, "loadtest", "--overhead", "1", "--duration", "1s", "--slice", "2s")
	if code != 2 || !strings.Contains(errb.String(), "--slice=2s") {
		t.Errorf("--slice=2s: exit %d, %s", code, errb.String())
	}
}
