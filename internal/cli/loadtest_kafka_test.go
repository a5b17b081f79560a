//go:build !nokafka

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/goleak"
)

// smallSim keeps the simulations of these tests cheap: they test the pipeline, not the model.
const smallSim = `{"seed":1,"grid_size":16,"steps":8}`

// kafkaLoad runs mfn loadtest with args and --format json and decodes its result.
func runKafkaLoad(t *testing.T, wantCode int, args ...string) kafkaLoadResult {
	t.Helper()
	code, out, errb := runWithEnv(context.Background(), nil, append([]string{"loadtest", "--format", "json", "--duration", "60s"}, args...)...)
	if code != wantCode {
		t.Fatalf("%v: exit %d, want %d: %s %s", args, code, wantCode, out.String(), errb.String())
	}
	var res kafkaLoadResult
	if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
		t.Fatalf("%v: %v: %q", args, err, out.String())
	}
	return res
}

// checkAllDelivered: every message sent arrived once, with a latency and a throughput.
func checkAllDelivered(t *testing.T, res kafkaLoadResult, n int) {
	t.Helper()
	if res.Sent != n || res.Delivered != n || res.Lost != 0 || res.SendErrors != 0 || res.ErrorResults != 0 {
		t.Errorf("%s: %+v, want %d sent and delivered, nothing lost or refused", res.Mode, res, n)
	}
	l := res.LatencyMS
	if !(l["p50"] > 0 && l["p50"] <= l["p95"] && l["p95"] <= l["p99"] && l["p99"] <= l["max"]) || res.Throughput <= 0 {
		t.Errorf("%s: latency %v, throughput %v: want ordered positive percentiles", res.Mode, l, res.Throughput)
	}
}

// TestLoadtestKafkaInProcess: requests through an in-process Kafka and worker arrive at the
// result topic and at a webhook, each exactly once, and the run leaves no goroutine behind.
func TestLoadtestKafkaInProcess(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	res := runKafkaLoad(t, 0, "--kafka", "--requests", "30", "--concurrency", "8", "--body", smallSim)
	if res.Mode != "kafka → worker → kafka" || res.Brokers != "in-process (kfake)" {
		t.Errorf("mode %q brokers %q", res.Mode, res.Brokers)
	}
	checkAllDelivered(t, res, 30)
	res = runKafkaLoad(t, 0, "--kafka", "--publisher", "webhook", "--requests", "20", "--concurrency", "4", "--body", smallSim,
		"--worker-concurrency", "1", "--rate", "200")
	if res.Mode != "kafka → worker → webhook" {
		t.Errorf("mode %q", res.Mode)
	}
	checkAllDelivered(t, res, 20)
}

// TestLoadtestPublishers: a publisher alone (webhook, Kafka) delivers every message.
func TestLoadtestPublishers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, p := range []string{"webhook", "kafka"} {
		res := runKafkaLoad(t, 0, "--publisher", p, "--requests", "200", "--concurrency", "32", "--batch", "16")
		if res.Mode != "publisher "+p {
			t.Errorf("mode %q", res.Mode)
		}
		checkAllDelivered(t, res, 200)
	}
}

// TestLoadtestKafkaExternalWorker: against a broker address, with `mfn worker` running as its
// own command, the load test creates no worker and reads the results from the topic.
func TestLoadtestKafkaExternalWorker(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "req", "res"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers, _ := json.Marshal(c.ListenAddrs())
	dir := t.TempDir()
	file := filepath.Join(dir, "worker.yaml")
	if err := os.WriteFile(file, fmt.Appendf(nil, `spool_dir: %s
connectors:
  - name: jobs
    type: kafka
    kafka: {brokers: %s, topics: [req], group: workers}
publishers:
  - name: out
    type: kafka
    kafka: {brokers: %s, topic: res}
    batch: {size: 8, linger: 1ms}
routes:
  - from: jobs
    to: [out]
`, filepath.Join(dir, "spool"), brokers, brokers), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var wcode int
	var werr *lockedBuffer
	wg.Go(func() {
		wcode, _, werr = runWithEnv(ctx, nil, "worker", "--integrations", file, "--concurrency", "2")
	})
	defer func() {
		stop()
		wg.Wait()
		if wcode != 0 {
			t.Errorf("worker exit %d: %s", wcode, werr.String())
		}
	}()
	res := runKafkaLoad(t, 0, "--kafka", "--external-worker", "--kafka-brokers", strings.Join(c.ListenAddrs(), ","),
		"--request-topic", "req", "--result-topic", "res", "--requests", "25", "--concurrency", "5", "--body", smallSim)
	if res.Mode != "kafka → external worker → kafka" || res.Brokers != strings.Join(c.ListenAddrs(), ",") {
		t.Errorf("mode %q brokers %q", res.Mode, res.Brokers)
	}
	checkAllDelivered(t, res, 25)
}

// TestLoadtestKafkaErrorResults: requests the worker refuses come back as error results,
// are counted and make the run fail (exit 1), with the first one shown.
func TestLoadtestKafkaErrorResults(t *testing.T) {
	res := runKafkaLoad(t, 1, "--kafka", "--requests", "5", "--body", `{"grid_size":-3}`, "--timeout", "20s")
	if res.Delivered != 5 || res.ErrorResults != 5 || !strings.Contains(res.FirstErrorRes, "grid_size") {
		t.Errorf("%+v: want 5 error results naming grid_size", res)
	}
}

func TestLoadtestKafkaUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--publisher", "s3"}, `--publisher="s3": must be kafka or webhook`},
		{[]string{"--kafka", "--external-worker"}, "--external-worker needs --kafka-brokers"},
		{[]string{"--publisher", "kafka", "--external-worker", "--kafka-brokers", "x:9092"}, "--external-worker needs --kafka"},
		{[]string{"--kafka", "--rate", "-1"}, "--rate=-1: must be >= 0"},
		{[]string{"--kafka", "--request-topic", "t", "--result-topic", "t"}, "must be two different topics"},
		{[]string{"--kafka", "--body", "{"}, "--body: not JSON"},
		{[]string{"--kafka", "--grpc"}, "exclude --ws and --grpc"},
		{[]string{"--kafka", "--worker-concurrency", "0"}, "--worker-concurrency=0: must be in [1, 1024]"},
	} {
		code, _, errb := runWithEnv(context.Background(), nil, append([]string{"loadtest"}, c.args...)...)
		if code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
}

// TestLoadtestKafkaStopsOnCancel: cancelling the run (Ctrl-C) returns promptly and stops
// every goroutine, also with messages in flight.
// TestLoadtestKafkaNeedsBrokersWithoutKfake: a build without -tags kfake has no in-process
// Kafka, so the modes that need one ask for --kafka-brokers and name the tag; the webhook
// publisher alone needs no Kafka.
func TestLoadtestKafkaNeedsBrokersWithoutKfake(t *testing.T) {
	saved := inProcessKafka
	inProcessKafka = nil
	defer func() { inProcessKafka = saved }()
	for _, args := range [][]string{{"--kafka"}, {"--publisher", "kafka"}, {"--kafka", "--publisher", "webhook"}} {
		code, _, errb := runWithEnv(context.Background(), nil, append([]string{"loadtest"}, args...)...)
		if want := "--kafka-brokers: none given, and kfake support not compiled in (opt-in: rebuild with -tags kfake)"; code != 2 || !strings.Contains(errb.String(), want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", args, code, errb.String(), want)
		}
	}
	res := runKafkaLoad(t, 0, "--publisher", "webhook", "--requests", "20", "--concurrency", "4")
	checkAllDelivered(t, res, 20)
}

func TestLoadtestKafkaStopsOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	code, out, errb := runWithEnv(ctx, nil, "loadtest", "--kafka", "--duration", "1h", "--body", smallSim, "--format", "json")
	if code == 0 {
		t.Errorf("a cancelled run exits 0: %s %s", out.String(), errb.String())
	}
}
