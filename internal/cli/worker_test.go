package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// workerConfig writes an integrations file: requests from topic "requests" in group
// "workers", results to topic "results".
func workerConfig(t testing.TB, c *kfake.Cluster) string {
	t.Helper()
	brokers, _ := json.Marshal(c.ListenAddrs())
	path := filepath.Join(t.TempDir(), "integrations.yaml")
	cfg := fmt.Sprintf(`spool_dir: %s
connectors:
  - name: jobs
    type: kafka
    kafka: {brokers: %s, topics: [requests], group: workers, max_poll: 4}
publishers:
  - name: features
    type: kafka
    kafka: {brokers: %s, topic: results}
    batch: {size: 50, linger: 5ms}
routes:
  - from: jobs
    to: [features]
`, filepath.Join(t.TempDir(), "spool"), brokers, brokers)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWorkerScalesAcrossTheGroup: two `mfn worker` processes in one consumer group take the
// requests between them; every request's result (error results for the bad ones) reaches
// the results topic, and both workers did some of the work.
func TestWorkerScalesAcrossTheGroup(t *testing.T) {
	const good, bad = 40, 2
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "requests", "results"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := workerConfig(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	codes := make([]int, 2)
	outs := make([]*lockedBuffer, 2)
	errs := make([]*lockedBuffer, 2)
	wctx, stopWorkers := context.WithCancel(ctx)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], outs[i], errs[i] = runWithEnv(wctx, nil, "worker", "--integrations", cfg,
				"--spool-dir", filepath.Join(t.TempDir(), "spool"), "--concurrency", "2")
		}()
	}
	defer func() { stopWorkers(); wg.Wait() }()
	if _, err := c.WaitGroupStable(ctx, "workers", 2); err != nil {
		t.Fatalf("the two workers never formed a stable group: %v", err)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("results"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := range good + bad {
		v := fmt.Sprintf(`{"seed": %d, "grid_size": 16, "steps": 8}`, i)
		if i >= good {
			v = `{"grid_size": 3}`
		}
		r := &kgo.Record{Topic: "requests", Key: []byte("req-" + strconv.Itoa(i)), Value: []byte(v)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	results := map[string]map[string]any{}
	for len(results) < good+bad && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			var v map[string]any
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Errorf("result %s is not JSON: %v", r.Key, err)
			}
			results[string(r.Key)] = v
		})
	}
	stopWorkers()
	wg.Wait()
	for i := range good + bad {
		k := "req-" + strconv.Itoa(i)
		v, ok := results[k]
		switch {
		case !ok:
			t.Errorf("no result for %s", k)
		case i < good && len(v["features"].(map[string]any)) != 18:
			t.Errorf("result %s: %v, want 18 features", k, v)
		case i >= good && !strings.Contains(fmt.Sprint(v["error"]), "grid_size: 3"):
			t.Errorf("bad request %s: result %v, want an error naming grid_size", k, v)
		}
	}
	re := regexp.MustCompile(`worker stopped: (\d+) results`)
	for i := range 2 {
		if codes[i] != 0 {
			t.Errorf("worker %d exited %d: %s", i, codes[i], errs[i].String())
		}
		m := re.FindStringSubmatch(outs[i].String())
		if m == nil || m[1] == "0" {
			t.Errorf("worker %d published nothing (%q): the group did not share the work", i, outs[i].String())
		}
	}
}

func TestWorkerConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("publishers:\n  - name: x\n    type: ftp\n"), 0o644)
	if code, _, errOut := run(t, "", "worker", "--integrations", bad); code != 1 || !strings.Contains(errOut, `publishers[0] "x": type: "ftp"`) {
		t.Errorf("bad file: code %d, %q", code, errOut)
	}
	if code, _, errOut := run(t, "", "worker"); code != 2 || !strings.Contains(errOut, "--integrations") {
		t.Errorf("no file: code %d, %q", code, errOut)
	}
	noRoute := filepath.Join(dir, "noroute.yaml")
	os.WriteFile(noRoute, []byte("spool_dir: "+dir+"\nconnectors:\n  - {name: in, type: file, file: {dir: "+dir+"}}\npublishers:\n  - {name: out, type: file, file: {dir: "+dir+"}}\n"), 0o644)
	if code, _, errOut := run(t, "", "worker", "--integrations", noRoute); code != 2 || !strings.Contains(errOut, `no route from "in"`) {
		t.Errorf("no route: code %d, %q", code, errOut)
	}
	// A --connector the file does not define is named as such, not reported as a missing route.
	code, _, errOut := run(t, "", "worker", "--integrations", noRoute, "--connector", "nope")
	if code != 2 || !strings.Contains(errOut, `--connector="nope": `+noRoute+` has no connector of that name (it has: in)`) || strings.Contains(errOut, "no route") {
		t.Errorf("unknown connector: code %d, %q", code, errOut)
	}
}

// BenchmarkWorker measures `mfn worker` throughput in simulations per second: 1 or 2
// workers in one kfake consumer group, 64 default requests (64×64 grid, 64 steps, features
// with history) per round, timed from the first request produced to the last result read.
func BenchmarkWorker(b *testing.B) {
	const n = 64
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			sims := 0
			for b.Loop() {
				b.StopTimer()
				c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "requests", "results"))
				if err != nil {
					b.Fatal(err)
				}
				cfg := workerConfig(b, c)
				ctx, stop := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						runWithEnv(ctx, nil, "worker", "--integrations", cfg, "--spool-dir", b.TempDir())
					}()
				}
				if _, err := c.WaitGroupStable(ctx, "workers", workers); err != nil {
					b.Fatal(err)
				}
				cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("results"),
					kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
				b.StartTimer()
				for i := range n {
					r := &kgo.Record{Topic: "requests", Key: []byte(strconv.Itoa(i)), Value: []byte(fmt.Sprintf(`{"seed": %d}`, i))}
					if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
						b.Fatal(err)
					}
				}
				got := map[string]bool{}
				for len(got) < n {
					cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got[string(r.Key)] = true })
				}
				b.StopTimer()
				sims += n
				cl.Close()
				stop()
				wg.Wait()
				c.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(sims)/b.Elapsed().Seconds(), "sims/s")
		})
	}
}
