//go:build !nokafka

package integration

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// KafkaSink produces batches to one topic.
type KafkaSink struct {
	opts []kgo.Opt
	mu   sync.Mutex // guards cl, which Send replaces after a failure
	cl   *kgo.Client
}

func (s *KafkaSink) client() *kgo.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cl
}

// NewKafkaSink connects lazily: franz-go dials on first use, so a broker that is down at
// startup shows in Check and in the breaker, not as a startup failure.
func NewKafkaSink(cfg KafkaSinkConfig, extra ...kgo.Opt) (*KafkaSink, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sec, err := cfg.KafkaSecurity.opts()
	if err != nil {
		return nil, err
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID(cfg.ClientID),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(cfg.Timeout.D()),
		kgo.RecordRetries(cfg.ProduceRetries),
		kgo.ProducerLinger(0), // the Publisher batches; a batch goes out as it is
		kgo.MetadataMinAge(time.Second),
	}, append(sec, extra...)...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	return &KafkaSink{opts: opts, cl: cl}, nil
}

// Send produces the whole batch and waits for every acknowledgement.
func (s *KafkaSink) Send(ctx context.Context, batch []Message) error {
	recs := make([]*kgo.Record, len(batch))
	for i, m := range batch {
		recs[i] = &kgo.Record{Key: []byte(m.Key), Value: m.Value, Timestamp: m.Time}
		if m.Trace != "" {
			recs[i].Headers = []kgo.RecordHeader{{Key: TraceHeader, Value: []byte(m.Trace)}}
		}
	}
	if err := s.client().ProduceSync(ctx, recs...).FirstErr(); err != nil {
		// A failed idempotent batch can leave the client's sequence state for the partition
		// waiting on records it gave up on; a fresh client (a new producer ID) starts clean.
		// The retry may duplicate what the broker did store; keys make that harmless.
		if cl, nerr := kgo.NewClient(s.opts...); nerr == nil {
			s.mu.Lock()
			old := s.cl
			s.cl = cl
			s.mu.Unlock()
			old.Close()
		}
		return fmt.Errorf("kafka produce: %w", err)
	}
	return nil
}

// Check asks a broker for its metadata.
func (s *KafkaSink) Check(ctx context.Context) error { return s.client().Ping(ctx) }

// Close flushes nothing (Send is synchronous) and closes the client.
func (s *KafkaSink) Close() error {
	s.client().Close()
	return nil
}

// KafkaSource is one consumer-group member. Rebalances are blocked from a Poll until the
// next Poll (or Close), so every record handed out is committed, if at all, while this member
// still owns its partition. Commit advances a partition's offset only over a contiguous run
// of committed deliveries, so a delivery left out (failed, or not reached before shutdown)
// and everything after it is handed out again rather than skipped.
type KafkaSource struct {
	cl        *kgo.Client
	maxPoll   int
	closeOnce sync.Once

	mu      sync.Mutex
	pending map[topicPartition]*partitionState
}

type topicPartition struct {
	topic     string
	partition int32
}

// partitionState is what was handed out of one partition and not yet committed.
type partitionState struct {
	offsets []int64 // ascending, as polled
	epochs  map[int64]int32
	done    map[int64]bool
}

// kafkaCommit is a Delivery's bookkeeping.
type kafkaCommit struct {
	tp     topicPartition
	offset int64
}

// NewKafkaSource joins the group on first Poll.
func NewKafkaSource(cfg KafkaSourceConfig, extra ...kgo.Opt) (*KafkaSource, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &KafkaSource{maxPoll: cfg.MaxPoll, pending: map[topicPartition]*partitionState{}}
	start := kgo.NewOffset().AtStart()
	if cfg.Start == "latest" {
		start = kgo.NewOffset().AtEnd()
	}
	forget := func(_ context.Context, _ *kgo.Client, lost map[string][]int32) { s.forget(lost) }
	sec, err := cfg.KafkaSecurity.opts()
	if err != nil {
		return nil, err
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID(cfg.ClientID),
		kgo.ConsumeTopics(cfg.Topics...),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeResetOffset(start),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.SessionTimeout(cfg.SessionTimeout.D()),
		kgo.RebalanceTimeout(cfg.RebalanceTimeout.D()),
		kgo.OnPartitionsRevoked(forget),
		kgo.OnPartitionsLost(forget),
	}, append(sec, extra...)...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	s.cl = cl
	return s, nil
}

// forget drops the bookkeeping of partitions this member no longer owns: their uncommitted
// records go to the new owner from the last committed offset.
func (s *KafkaSource) forget(parts map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, ps := range parts {
		for _, p := range ps {
			delete(s.pending, topicPartition{t, p})
		}
	}
}

// Poll lets a pending rebalance through (the previous poll's records are handled by now),
// then waits for records.
func (s *KafkaSource) Poll(ctx context.Context) ([]Delivery, error) {
	for {
		s.cl.AllowRebalance()
		fs := s.cl.PollRecords(ctx, s.maxPoll)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if fs.IsClientClosed() {
			return nil, kgo.ErrClientClosed
		}
		var errs []error
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				errs = append(errs, fmt.Errorf("kafka fetch %s/%d: %w", t, p, err))
			}
		})
		var ds []Delivery
		s.mu.Lock()
		fs.EachRecord(func(r *kgo.Record) {
			tp := topicPartition{r.Topic, r.Partition}
			st := s.pending[tp]
			if st == nil {
				st = &partitionState{epochs: map[int64]int32{}, done: map[int64]bool{}}
				s.pending[tp] = st
			}
			st.offsets = append(st.offsets, r.Offset)
			st.epochs[r.Offset] = r.LeaderEpoch
			key := string(r.Key)
			if key == "" { // the record's place is as deterministic as a key
				key = fmt.Sprintf("kafka:%s/%d@%d", r.Topic, r.Partition, r.Offset)
			}
			ds = append(ds, Delivery{
				Message: Message{Key: key, Value: r.Value, Time: r.Timestamp.UTC(), Trace: recordTrace(r)},
				Origin:  fmt.Sprintf("kafka:%s/%d@%d", r.Topic, r.Partition, r.Offset),
				commit:  kafkaCommit{tp, r.Offset},
			})
		})
		s.mu.Unlock()
		if len(ds) > 0 {
			return ds, nil
		}
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
	}
}

// Commit marks ds handled and commits, per partition, the offset after the longest handled
// prefix of what was handed out.
func (s *KafkaSource) Commit(ctx context.Context, ds []Delivery) error {
	s.mu.Lock()
	for _, d := range ds {
		kc, ok := d.commit.(kafkaCommit)
		if !ok {
			s.mu.Unlock()
			return fmt.Errorf("kafka commit: delivery %q is not from a Kafka source", d.Origin)
		}
		if st := s.pending[kc.tp]; st != nil { // nil: revoked since; the new owner redoes it
			st.done[kc.offset] = true
		}
	}
	offsets := map[string]map[int32]kgo.EpochOffset{}
	for tp, st := range s.pending {
		n := 0
		for n < len(st.offsets) && st.done[st.offsets[n]] {
			n++
		}
		if n == 0 {
			continue
		}
		last := st.offsets[n-1]
		if offsets[tp.topic] == nil {
			offsets[tp.topic] = map[int32]kgo.EpochOffset{}
		}
		offsets[tp.topic][tp.partition] = kgo.EpochOffset{Epoch: st.epochs[last], Offset: last + 1}
		for _, o := range st.offsets[:n] {
			delete(st.done, o)
			delete(st.epochs, o)
		}
		st.offsets = append(st.offsets[:0], st.offsets[n:]...)
	}
	s.mu.Unlock()
	if len(offsets) == 0 {
		return nil
	}
	var cerr error
	s.cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			cerr = err
			return
		}
		cerr = commitResponseError(resp)
	})
	if cerr != nil {
		return fmt.Errorf("kafka commit %s: %w", describeOffsets(offsets), cerr)
	}
	return nil
}

// commitResponseError is the first partition error of an offset commit.
func commitResponseError(resp *kmsg.OffsetCommitResponse) error {
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("%s/%d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return nil
}

// describeOffsets is a short, ordered text of a commit for error messages.
func describeOffsets(offsets map[string]map[int32]kgo.EpochOffset) string {
	var parts []string
	for t, ps := range offsets {
		for p, eo := range ps {
			parts = append(parts, fmt.Sprintf("%s/%d@%d", t, p, eo.Offset))
		}
	}
	sort.Strings(parts)
	return fmt.Sprint(parts)
}

// Check asks a broker for its metadata.
func (s *KafkaSource) Check(ctx context.Context) error { return s.cl.Ping(ctx) }

// Close leaves the group (letting the rebalance it causes through) and closes the client.
// What was handed out and not committed goes to the next owner.
func (s *KafkaSource) Close() error {
	s.closeOnce.Do(s.cl.CloseAllowingRebalance)
	return nil
}

// recordTrace is a record's traceparent header, when it holds a valid one.
func recordTrace(r *kgo.Record) string {
	for _, h := range r.Headers {
		if h.Key == TraceHeader {
			return validTrace(string(h.Value))
		}
	}
	return ""
}
