//go:build !nokafka

package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/time/rate"

	"mfn/integration"
	"mfn/internal/buildinfo"
)

// kafkaLoadFlags are the connector and publisher modes of mfn loadtest:
//
//   - --kafka: simulation requests go into the request topic, a worker (in process, or an
//     external `mfn worker` with --external-worker) consumes them and publishes the results
//     to the result topic (--publisher kafka, the default) or to a webhook (--publisher
//     webhook, a receiver in this process); each request is timed from its produce to its
//     result's arrival.
//   - --publisher alone: no worker; messages go straight into a publisher (with its spool,
//     batching and retries) and are timed from Publish to their arrival at the target.
//
// Without --kafka-brokers an in-process Kafka (kfake) serves both topics, in a build with
// -tags kfake (scripts/build.sh all); other builds need --kafka-brokers.
type kafkaLoadFlags struct {
	kafka                      bool
	publisher                  string
	brokers                    string
	requestTopic, resultTopic  string
	externalWorker             bool
	workers, partitions, batch int
	linger                     time.Duration
	rate                       float64
}

// inProcessKafka starts the in-process Kafka: set by loadtest_kfake.go in a -tags kfake
// build (and by the tests), nil otherwise.
var inProcessKafka func(partitions int32, topics ...string) (brokers []string, stop func(), err error)

func addKafkaLoadFlags(fs *flag.FlagSet) *kafkaLoadFlags {
	k := &kafkaLoadFlags{}
	fs.BoolVar(&k.kafka, "kafka", false, "Kafka mode: produce simulate requests (--body) into --request-topic, a worker runs them and publishes to --publisher; measures produce → result delivered (ignores --url)")
	fs.StringVar(&k.publisher, "publisher", "", "kafka or webhook: where the worker's results go (with --kafka; default kafka); without --kafka, drive that publisher alone (Publish → delivered)")
	fs.StringVar(&k.brokers, "kafka-brokers", "", "comma-separated Kafka `ADDRS` (default: an in-process Kafka, kfake, in a build with -tags kfake)")
	fs.StringVar(&k.requestTopic, "request-topic", "mfn.loadtest.requests", "with --kafka: the topic of the requests (created when missing)")
	fs.StringVar(&k.resultTopic, "result-topic", "mfn.loadtest.results", "the topic of the results (created when missing)")
	fs.BoolVar(&k.externalWorker, "external-worker", false, "with --kafka: a running `mfn worker` consumes --request-topic and publishes to --result-topic (needs --kafka-brokers)")
	fs.IntVar(&k.workers, "worker-concurrency", 2, "with --kafka: requests the in-process worker runs at once (mfn worker --concurrency)")
	fs.IntVar(&k.partitions, "partitions", 4, "partitions of topics this run creates")
	fs.IntVar(&k.batch, "batch", 64, "publisher batch size (batch.size of the integrations file)")
	fs.DurationVar(&k.linger, "linger", 5*time.Millisecond, "publisher batch linger (batch.linger)")
	fs.Float64Var(&k.rate, "rate", 0, "requests per second to send at most (0: as fast as --concurrency in-flight messages allow)")
	return k
}

func (k *kafkaLoadFlags) active() bool { return k.kafka || k.publisher != "" }

// kafkaLoadResult is what a connector or publisher run measured.
type kafkaLoadResult struct {
	Mode          string             `json:"mode"`
	Brokers       string             `json:"brokers,omitempty"`
	Concurrency   int                `json:"concurrency"`
	Rate          float64            `json:"rate_limit,omitempty"`
	Sent          int                `json:"sent"`
	Delivered     int                `json:"delivered"`
	Lost          int                `json:"lost"` // sent, never delivered within --timeout
	Duplicates    int                `json:"duplicates"`
	ErrorResults  int                `json:"error_results"` // the worker refused the request
	SendErrors    int                `json:"send_errors"`
	Seconds       float64            `json:"seconds"` // first send to last delivery
	Throughput    float64            `json:"delivered_per_second"`
	LatencyMS     map[string]float64 `json:"latency_ms"`
	FirstError    string             `json:"first_error,omitempty"`
	FirstErrorRes string             `json:"first_error_result,omitempty"`
}

func (k *kafkaLoadFlags) check(f *loadtestFlags) error {
	if err := oneOf("format", f.format, "text", "json"); err != nil {
		return err
	}
	switch {
	case f.concurrency < 1 || f.concurrency > 10000:
		return usagef("--concurrency=%d: must be in [1, 10000]", f.concurrency)
	case f.duration <= 0 || f.duration > 24*time.Hour:
		return usagef("--duration=%v: must be in (0, 24h]", f.duration)
	case f.requests < 0:
		return usagef("--requests=%d: must be >= 0", f.requests)
	case f.timeout <= 0 || f.timeout > time.Hour:
		return usagef("--timeout=%v: must be in (0, 1h] (how long a message may take to arrive)", f.timeout)
	case f.ws || f.grpc:
		return usagef("--kafka/--publisher exclude --ws and --grpc")
	case k.publisher != "" && k.publisher != "kafka" && k.publisher != "webhook":
		return usagef("--publisher=%q: must be kafka or webhook", k.publisher)
	case k.rate < 0 || math.IsNaN(k.rate) || math.IsInf(k.rate, 0):
		return usagef("--rate=%v: must be >= 0 (0: no limit)", k.rate)
	case k.workers < 1 || k.workers > 1024:
		return usagef("--worker-concurrency=%d: must be in [1, 1024]", k.workers)
	case k.partitions < 1 || k.partitions > 1024:
		return usagef("--partitions=%d: must be in [1, 1024]", k.partitions)
	case k.batch < 1 || k.batch > 10000:
		return usagef("--batch=%d: must be in [1, 10000]", k.batch)
	case k.linger < 0 || k.linger > time.Minute:
		return usagef("--linger=%v: must be in [0, 1m]", k.linger)
	case k.externalWorker && !k.kafka:
		return usagef("--external-worker needs --kafka")
	case k.externalWorker && k.brokers == "":
		return usagef("--external-worker needs --kafka-brokers (the cluster the worker consumes)")
	case k.externalWorker && k.publisher == "webhook":
		return usagef("--external-worker with --publisher webhook: point the worker's webhook at a receiver of your own; this mode reads results from --result-topic")
	case k.requestTopic == "" || k.resultTopic == "" || k.requestTopic == k.resultTopic:
		return usagef("--request-topic=%q, --result-topic=%q: must be two different topics", k.requestTopic, k.resultTopic)
	}
	if k.kafka && k.publisher == "" {
		k.publisher = "kafka"
	}
	if (k.kafka || k.publisher == "kafka") && k.brokers == "" && inProcessKafka == nil {
		return usagef("--kafka-brokers: none given, and %v", buildinfo.Missing("kfake"))
	}
	if f.body == "" {
		f.body = loadtestBodies["/simulate"]
	}
	if !json.Valid([]byte(f.body)) {
		return usagef("--body: not JSON: %.80q", f.body)
	}
	return nil
}

func runKafkaLoadtest(ctx context.Context, env *Env, f loadtestFlags, k *kafkaLoadFlags) error {
	if err := k.check(&f); err != nil {
		return err
	}
	res, err := kafkaLoad(ctx, env, f, k)
	if res == nil {
		return err
	}
	if rerr := report(env, f.format, res); rerr != nil {
		return rerr
	}
	if err != nil {
		return err
	}
	if bad := res.Lost + res.ErrorResults + res.SendErrors; bad > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d messages lost, refused or not sent", bad, res.Sent)}
	}
	return nil
}

// kafkaLoad sets the run up (Kafka, the receiving end, the worker or the publisher), sends,
// waits for the deliveries and takes every part down again before returning.
func kafkaLoad(ctx context.Context, env *Env, f loadtestFlags, k *kafkaLoadFlags) (*kafkaLoadResult, error) {
	var id [6]byte
	_, _ = rand.Read(id[:])
	run := hex.EncodeToString(id[:])
	tr := newTracker("lt-"+run+"-", f.concurrency)
	res := &kafkaLoadResult{Concurrency: f.concurrency, Rate: k.rate, LatencyMS: map[string]float64{}}

	var brokers []string
	needKafka := k.kafka || k.publisher == "kafka"
	if needKafka {
		topics := []string{k.resultTopic}
		if k.kafka {
			topics = append(topics, k.requestTopic)
		}
		if k.brokers == "" {
			addrs, stop, err := inProcessKafka(int32(k.partitions), topics...)
			if err != nil {
				return nil, fmt.Errorf("starting the in-process Kafka: %w", err)
			}
			defer stop()
			brokers, res.Brokers = addrs, "in-process (kfake)"
		} else {
			for b := range strings.SplitSeq(k.brokers, ",") {
				if b = strings.TrimSpace(b); b != "" {
					brokers = append(brokers, b)
				}
			}
			res.Brokers = strings.Join(brokers, ",")
			if err := ensureTopics(ctx, brokers, k.partitions, topics...); err != nil {
				return nil, err
			}
		}
	}

	// The receiving end.
	var sinkURL string
	var key [32]byte
	_, _ = rand.Read(key[:])
	secret := hex.EncodeToString(key[:])
	if k.publisher == "kafka" {
		stop, err := consumeResults(ctx, brokers, k.resultTopic, tr)
		if err != nil {
			return nil, err
		}
		defer stop()
	} else {
		u, stop, err := webhookSink([]byte(secret), tr)
		if err != nil {
			return nil, err
		}
		defer stop()
		sinkURL = u
	}

	// What sends: a producer into the request topic (with a worker behind it), or a publisher.
	spool, err := os.MkdirTemp("", "mfn-loadtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(spool)
	file := filepath.Join(spool, "integrations.yaml")
	text := loadtestIntegrations(k, brokers, sinkURL, secret, spool, run)
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		return nil, err
	}
	var send func(ctx context.Context, key string, at time.Time)
	switch {
	case k.kafka:
		res.Mode = "kafka → worker → " + k.publisher
		if k.externalWorker {
			res.Mode = "kafka → external worker → kafka"
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(k.requestTopic),
			kgo.ProducerLinger(0), kgo.RecordDeliveryTimeout(f.timeout))
		if err != nil {
			return nil, err
		}
		defer cl.Close()
		body := []byte(f.body)
		send = func(ctx context.Context, key string, at time.Time) {
			tr.sending(key, at)
			cl.Produce(ctx, &kgo.Record{Key: []byte(key), Value: body}, func(_ *kgo.Record, err error) {
				if err != nil {
					tr.failed(key, err)
				}
			})
		}
		if !k.externalWorker {
			defer startLoadtestWorker(ctx, file, k.workers, env.Stderr)()
		}
		if err := warmUp(ctx, tr, send, f.timeout+10*time.Second, k); err != nil {
			return nil, err
		}
	default:
		res.Mode = "publisher " + k.publisher
		cfg, err := integration.ParseConfig([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("the run's integrations file: %w", err)
		}
		hub, err := integration.Open(cfg, nil, nil)
		if err != nil {
			return nil, err
		}
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = hub.Close(cctx)
		}()
		body := json.RawMessage(f.body)
		send = func(ctx context.Context, key string, at time.Time) {
			tr.sending(key, at)
			if err := hub.Publish(ctx, integration.RouteSimulate, integration.Message{Key: key, Value: body, Time: at.UTC()}); err != nil {
				tr.failed(key, err)
			}
		}
	}

	sendLoad(ctx, f, k, tr, send)
	// Wait for what is in flight, up to --timeout after the last send.
	deadline := time.Now().Add(f.timeout)
	for tr.inFlight() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	summariseE2E(tr, res)
	return res, ctx.Err()
}

// sendLoad sends until --requests or --duration, keeping at most --concurrency messages in
// flight and at most --rate per second.
func sendLoad(ctx context.Context, f loadtestFlags, k *kafkaLoadFlags, tr *e2eTracker, send func(context.Context, string, time.Time)) {
	// run bounds the sending; a message sent keeps ctx, so the end of --duration does not
	// cancel the deliveries still under way.
	run, cancel := context.WithTimeout(ctx, f.duration)
	defer cancel()
	var lim *rate.Limiter
	if k.rate > 0 {
		lim = rate.NewLimiter(rate.Limit(k.rate), 1)
	}
	for i := 0; f.requests == 0 || i < f.requests; i++ {
		if !tr.acquire(run) {
			return
		}
		if lim != nil && lim.Wait(run) != nil {
			tr.release()
			return
		}
		send(ctx, tr.prefix+"r"+strconv.Itoa(i), time.Now())
	}
}

// warmUp sends a warm-up request every 250 ms until one comes back: the worker has joined
// its consumer group and the pipeline is hot, so the first measured request does not carry
// the group's join. Warm-up messages are not counted.
func warmUp(ctx context.Context, tr *e2eTracker, send func(context.Context, string, time.Time), limit time.Duration, k *kafkaLoadFlags) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for i := 0; !tr.warmedUp(); i++ {
		send(ctx, tr.prefix+"w"+strconv.Itoa(i), time.Now())
		tr.mu.Lock() // a warm-up neither holds a slot nor counts
		delete(tr.sent, tr.prefix+"w"+strconv.Itoa(i))
		tr.mu.Unlock()
		select {
		case <-tick.C:
		case <-ctx.Done():
			if tr.warmedUp() {
				return nil
			}
			where := "on " + k.resultTopic
			if k.publisher == "webhook" {
				where = "at the webhook receiver"
			}
			return fmt.Errorf("no result %s within %v of the first request: is a worker consuming %s and publishing there?",
				where, limit, k.requestTopic)
		}
	}
	tr.mu.Lock()
	tr.first, tr.produceErrs, tr.firstErr = time.Time{}, 0, ""
	tr.mu.Unlock()
	return nil
}

// loadtestIntegrations is the integrations file of the run (YAML, as an operator writes it):
// the request topic as connector "loadtest" (--kafka) and the publisher of the results,
// routed from "loadtest" (or from simulate for a publisher alone).
func loadtestIntegrations(k *kafkaLoadFlags, brokers []string, sinkURL, secret, spool, run string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) } // a YAML scalar
	qs := func(ss []string) string { b, _ := json.Marshal(ss); return string(b) }
	var b strings.Builder
	fmt.Fprintf(&b, "spool_dir: %s\n", q(spool))
	if k.kafka {
		fmt.Fprintf(&b, "connectors:\n  - name: loadtest\n    type: kafka\n    kafka: {brokers: %s, topics: [%s], group: %s, start: latest}\n",
			qs(brokers), q(k.requestTopic), q("mfn-loadtest-"+run))
	}
	fmt.Fprintf(&b, "publishers:\n  - name: results\n    type: %s\n", k.publisher)
	if k.publisher == "kafka" {
		fmt.Fprintf(&b, "    kafka: {brokers: %s, topic: %s, client_id: mfn-loadtest}\n", qs(brokers), q(k.resultTopic))
	} else {
		fmt.Fprintf(&b, "    webhook: {url: %s, secret: %s}\n", q(sinkURL), q(secret))
	}
	from := integration.RouteSimulate // publisher alone: it takes what /simulate results would
	if k.kafka {
		from = "loadtest"
	}
	fmt.Fprintf(&b, "    batch: {size: %d, linger: %s}\nroutes:\n  - from: %s\n    to: [results]\n", k.batch, k.linger, from)
	return b.String()
}

// startLoadtestWorker runs `mfn worker` itself on the integrations file until the returned
// stop is called; its log is printed when it fails.
func startLoadtestWorker(ctx context.Context, file string, concurrency int, stderr io.Writer) (stop func()) {
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var werr error
	logs := &syncBuffer{}
	wg.Go(func() {
		werr = runWorker(wctx, &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: logs, Getenv: func(string) string { return "" }},
			[]string{"--integrations", file, "--concurrency", strconv.Itoa(concurrency), "--drain-timeout", "5s"})
	})
	return func() {
		cancel()
		wg.Wait()
		if werr != nil {
			fmt.Fprintf(stderr, "mfn loadtest: the in-process worker: %v\n%s", werr, logs.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the worker's logger and the reader at the end.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ensureTopics creates the topics that do not exist yet on an external cluster.
func ensureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).CreateTopics(ctx, int32(partitions), -1, nil, topics...)
	if err != nil {
		return fmt.Errorf("--kafka-brokers=%s: %w", strings.Join(brokers, ","), err)
	}
	for _, r := range resp.Sorted() {
		if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("creating topic %s: %w", r.Topic, r.Err)
		}
	}
	return nil
}

func summariseE2E(tr *e2eTracker, res *kafkaLoadResult) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	lat := slices.Clone(tr.lat)
	res.Delivered, res.Lost, res.Duplicates = len(lat), len(tr.sent), tr.dups
	res.ErrorResults, res.SendErrors = tr.errRes, tr.produceErrs
	res.Sent = res.Delivered + res.Lost + res.SendErrors
	res.FirstError, res.FirstErrorRes = tr.firstErr, tr.firstErrValue
	if len(lat) == 0 {
		return
	}
	res.Seconds = tr.last.Sub(tr.first).Seconds()
	if res.Seconds > 0 {
		res.Throughput = float64(len(lat)) / res.Seconds
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	ms := func(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }
	res.LatencyMS["mean"] = ms(sum / time.Duration(len(lat)))
	for _, p := range []float64{50, 90, 95, 99} {
		res.LatencyMS[fmt.Sprintf("p%g", p)] = ms(percentile(lat, p))
	}
	res.LatencyMS["max"] = ms(lat[len(lat)-1])
}

func (r *kafkaLoadResult) print(w io.Writer) {
	fmt.Fprintf(w, "%s", r.Mode)
	if r.Brokers != "" {
		fmt.Fprintf(w, "  brokers %s", r.Brokers)
	}
	fmt.Fprintf(w, "  in flight ≤ %d", r.Concurrency)
	if r.Rate > 0 {
		fmt.Fprintf(w, "  rate ≤ %g/s", r.Rate)
	}
	fmt.Fprintf(w, "  %.1f s\n", r.Seconds)
	fmt.Fprintf(w, "sent %d  delivered %d  lost %d  duplicates %d  error results %d  send errors %d\n",
		r.Sent, r.Delivered, r.Lost, r.Duplicates, r.ErrorResults, r.SendErrors)
	if r.FirstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.FirstError)
	}
	if r.FirstErrorRes != "" {
		fmt.Fprintf(w, "first error result: %.200s\n", r.FirstErrorRes)
	}
	if r.Delivered == 0 {
		return
	}
	fmt.Fprintf(w, "throughput %.1f delivered/s\n", r.Throughput)
	l := r.LatencyMS
	fmt.Fprintf(w, "end-to-end latency ms  mean %.3f  p50 %.3f  p90 %.3f  p95 %.3f  p99 %.3f  max %.3f\n",
		l["mean"], l["p50"], l["p90"], l["p95"], l["p99"], l["max"])
}
