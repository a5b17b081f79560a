//go:build !nokafka

package integration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// newKafka starts an in-process Kafka cluster (kfake speaks the wire protocol) with the
// given topics of 4 partitions each.
func newKafka(t testing.TB, topics ...string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(4, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testMessages(prefix string, n int) []Message {
	ms := make([]Message, n)
	for i := range ms {
		ms[i] = Message{Key: fmt.Sprintf("%s-%04d", prefix, i), Value: []byte(fmt.Sprintf(`{"i":%d}`, i)), Time: time.Now().UTC()}
	}
	return ms
}

// committedTotal is the sum of the group's committed offsets over all partitions: the
// number of records it has committed when it started from the beginning.
func committedTotal(t *testing.T, c *kfake.Cluster, group string) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	offs.Each(func(o kadm.OffsetResponse) { sum += o.At })
	return sum
}

func TestKafkaRoundTrip(t *testing.T) {
	c := newKafka(t, "results")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sink, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "results"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if err := sink.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	sent := testMessages("rt", 200)
	if err := sink.Send(ctx, sent[:150]); err != nil {
		t.Fatal(err)
	}
	if err := sink.Send(ctx, sent[150:]); err != nil {
		t.Fatal(err)
	}

	src, err := NewKafkaSource(KafkaSourceConfig{Brokers: c.ListenAddrs(), Topics: []string{"results"}, Group: "g", MaxPoll: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got := map[string]string{}
	for len(got) < len(sent) {
		ds, err := src.Poll(ctx)
		if err != nil {
			t.Fatalf("Poll after %d records: %v", len(got), err)
		}
		if len(ds) > 50 {
			t.Errorf("Poll returned %d deliveries, max_poll is 50", len(ds))
		}
		for _, d := range ds {
			if _, dup := got[d.Key]; dup {
				t.Errorf("record %s delivered twice", d.Key)
			}
			got[d.Key] = string(d.Value)
		}
		if err := src.Commit(ctx, ds); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range sent {
		if got[m.Key] != string(m.Value) {
			t.Errorf("record %s: value %q, want %q", m.Key, got[m.Key], m.Value)
		}
	}
	if n := committedTotal(t, c, "g"); n != int64(len(sent)) {
		t.Errorf("group committed %d records, want %d", n, len(sent))
	}
}

// TestKafkaCommitPrefix: a delivery left out of Commit holds back its partition's offset,
// so it (and what follows it) is handed out again instead of being skipped.
func TestKafkaCommitPrefix(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "jobs"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sink, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "jobs"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if err := sink.Send(ctx, testMessages("p", 10)); err != nil {
		t.Fatal(err)
	}
	cfg := KafkaSourceConfig{Brokers: c.ListenAddrs(), Topics: []string{"jobs"}, Group: "g", MaxPoll: 10}
	src, err := NewKafkaSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ds []Delivery
	for len(ds) < 10 {
		more, err := src.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, more...)
	}
	// Records 0-3 and 5-9 handled, record 4 not: only 0-3 may be committed.
	if err := src.Commit(ctx, append(append([]Delivery{}, ds[:4]...), ds[5:]...)); err != nil {
		t.Fatal(err)
	}
	src.Close()
	if n := committedTotal(t, c, "g"); n != 4 {
		t.Fatalf("committed %d records, want 4 (the prefix before the unhandled record)", n)
	}
	src2, err := NewKafkaSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	again, err := src2.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) == 0 || again[0].Key != "p-0004" {
		t.Fatalf("after restart, first delivery %v, want p-0004", again)
	}
}

// TestKafkaGroupRebalance: three members share a group; one leaves mid-stream. Every record
// is handled at least once, no record is handed out after it was committed, and the group
// ends having committed all of them.
func TestKafkaGroupRebalance(t *testing.T) {
	const n = 400
	c := newKafka(t, "jobs")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var (
		mu        sync.Mutex
		handled   = map[string]int{}
		committed = map[string]bool{}
		perMember [3]int
		total     atomic.Int64
	)
	cfg := KafkaSourceConfig{Brokers: c.ListenAddrs(), Topics: []string{"jobs"}, Group: "workers", MaxPoll: 8}
	var srcs [3]*KafkaSource
	for i := range srcs {
		var err error
		if srcs[i], err = NewKafkaSource(cfg); err != nil {
			t.Fatal(err)
		}
	}
	member := func(ctx context.Context, i int) error {
		for {
			ds, err := srcs[i].Poll(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			mu.Lock()
			for _, d := range ds {
				if committed[d.Key] {
					t.Errorf("member %d got %s (%s) after it was committed", i, d.Key, d.Origin)
				}
				handled[d.Key]++
				perMember[i]++
			}
			mu.Unlock()
			time.Sleep(time.Duration(len(ds)) * time.Millisecond) // the work
			if err := srcs[i].Commit(context.Background(), ds); err != nil {
				return err
			}
			mu.Lock()
			for _, d := range ds {
				committed[d.Key] = true
			}
			mu.Unlock()
			total.Add(int64(len(ds)))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	cancels := make([]context.CancelFunc, 3)
	for i := range srcs {
		mctx, mcancel := context.WithCancel(ctx)
		cancels[i] = mcancel
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- member(mctx, i)
			srcs[i].Close() // leave the group: its partitions go to the others
		}()
	}
	defer func() {
		for i := range srcs {
			cancels[i]()
		}
		wg.Wait()
	}()
	if _, err := c.WaitGroupStable(ctx, "workers", 3); err != nil {
		t.Fatalf("group never stabilised with 3 members: %v", err)
	}

	sink, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "jobs"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	msgs := testMessages("job", n)
	for i := 0; i < n; i += 20 { // a stream, not one burst
		if err := sink.Send(ctx, msgs[i:i+20]); err != nil {
			t.Fatal(err)
		}
	}
	// Member 2 leaves once a third of the work is done.
	for total.Load() < n/3 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	cancels[2]()
	for ctx.Err() == nil {
		mu.Lock()
		done := len(handled) == n
		mu.Unlock()
		if done && total.Load() >= n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := range srcs {
		cancels[i]()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("member: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range msgs {
		if handled[m.Key] == 0 {
			t.Errorf("record %s never handled", m.Key)
		}
	}
	for i, k := range perMember {
		if k == 0 {
			t.Errorf("member %d handled nothing: the group did not spread the partitions", i)
		}
	}
	if got := committedTotal(t, c, "workers"); got != n {
		t.Errorf("group committed %d records, want %d", got, n)
	}
	t.Logf("handled per member %v; redelivered %d", perMember, total.Load()-n)
}

// failProduce makes the cluster answer the first n produce requests with a retriable
// partition error, without storing anything.
func failProduce(c *kfake.Cluster, n int, code *kerr.Error) *atomic.Int64 {
	var calls atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if calls.Add(1) > int64(n) {
			return nil, nil, false
		}
		req := kreq.(*kmsg.ProduceRequest)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = code.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	return &calls
}

// TestKafkaSinkBrokerErrors: a broker refusing produce requests makes Send fail with a
// retriable error (so the Publisher retries and, past its budget, spools); once the broker
// recovers a retried Send delivers the batch exactly once.
func TestKafkaSinkBrokerErrors(t *testing.T) {
	c := newKafka(t, "results")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	calls := failProduce(c, 4, kerr.NotEnoughReplicas)
	sink, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "results", ProduceRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	batch := testMessages("e", 5)
	for i := range batch {
		batch[i].Key = "same-partition" // one partition, one produce request per try
		batch[i].Value = []byte(fmt.Sprintf(`{"i":%d}`, i))
	}
	err = sink.Send(ctx, batch)
	if !errors.Is(err, kerr.NotEnoughReplicas) || !kerr.IsRetriable(err) {
		t.Fatalf("Send against a failing broker: %v, want a retriable NOT_ENOUGH_REPLICAS", err)
	}
	attempts := 1
	for err != nil && attempts < 10 {
		attempts++
		err = sink.Send(ctx, batch)

	}
	if err != nil {
		t.Fatalf("Send after %d attempts: %v", attempts, err)
	}
	if calls.Load() <= 4 {
		t.Fatalf("the injected fault saw %d produce requests, want > 4", calls.Load())
	}
	src, err := NewKafkaSource(KafkaSourceConfig{Brokers: c.ListenAddrs(), Topics: []string{"results"}, Group: "check"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var got []string
	for len(got) < len(batch) {
		ds, err := src.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			got = append(got, string(d.Value))
		}
	}
	pctx, pcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer pcancel()
	if extra, _ := src.Poll(pctx); len(extra) > 0 {
		t.Errorf("%d extra records: failed tries were stored", len(extra))
	}
	for i, v := range got {
		if want := fmt.Sprintf(`{"i":%d}`, i); v != want {
			t.Errorf("record %d = %s, want %s (order kept within the partition)", i, v, want)
		}
	}
}

func TestKafkaConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  KafkaSourceConfig
		want string
	}{
		{KafkaSourceConfig{Topics: []string{"t"}, Group: "g"}, "brokers"},
		{KafkaSourceConfig{Brokers: []string{"b:9092"}, Group: "g"}, "topics"},
		{KafkaSourceConfig{Brokers: []string{"b:9092"}, Topics: []string{"t"}}, "group"},
		{KafkaSourceConfig{Brokers: []string{"b:9092"}, Topics: []string{"t"}, Group: "g", Start: "middle"}, "start"},
	} {
		tc.cfg.Defaults()
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %s", tc.cfg, err, tc.want)
		}
	}
}

// BenchmarkKafkaPublish measures producing to kfake one message per Send (no batching)
// against batches of 100 (one ProduceSync each).
func BenchmarkKafkaPublish(b *testing.B) {
	for _, size := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			c := newKafka(b, "bench")
			sink, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			defer sink.Close()
			batch := testMessages("b", size)
			ctx := context.Background()
			msgs := 0
			for b.Loop() {
				if err := sink.Send(ctx, batch); err != nil {
					b.Fatal(err)
				}
				msgs += size
			}
			b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkPublishKafka is BenchmarkPublishWebhook's end-to-end measure against kfake: 8
// goroutines publish through the Publisher (spool, group commit, batching) to the Kafka sink.
func BenchmarkPublishKafka(b *testing.B) {
	for _, size := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			c := newKafka(b, "bench")
			sink, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			benchPublish(b, sink, size)
		})
	}
}

// TestKafkaPublisherRidesOutBrokerErrors: behind a Publisher, a broker refusing the first
// produce requests costs retries (and breaker trips), not messages: every message arrives.
func TestKafkaPublisherRidesOutBrokerErrors(t *testing.T) {
	c := newKafka(t, "results")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	failProduce(c, 6, kerr.NotEnoughReplicas)
	sink, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "results", ProduceRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultPublisherOptions()
	opts.Spool.Dir = t.TempDir()
	opts.Retry = RetryOptions{MaxAttempts: 2, Initial: Duration(10 * time.Millisecond), Max: Duration(50 * time.Millisecond), Jitter: 0.1}
	opts.Breaker = BreakerOptions{Failures: 2, OpenTimeout: Duration(100 * time.Millisecond), HalfOpenRequests: 1}
	opts.Batch = BatchOptions{Size: 10, Linger: Duration(5 * time.Millisecond)}
	p, err := NewPublisher("results", "kafka", sink, opts, NewMetrics(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs := testMessages("p", 50)
	if err := p.Publish(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	src, err := NewKafkaSource(KafkaSourceConfig{Brokers: c.ListenAddrs(), Topics: []string{"results"}, Group: "check"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got := map[string]bool{}
	for len(got) < len(msgs) {
		ds, err := src.Poll(ctx)
		if err != nil {
			t.Fatalf("after %d of %d: %v", len(got), len(msgs), err)
		}
		for _, d := range ds {
			got[d.Key] = true
		}
	}
}
