package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// benchPublish publishes b.N messages from 8 goroutines (as concurrent request handlers
// would), waits until the target has them all, and reports messages per second end to end.
func benchPublish(b *testing.B, sink Sink, batch int) {
	o := DefaultPublisherOptions()
	o.Spool.Dir = b.TempDir()
	o.Batch = BatchOptions{Size: batch, Linger: Duration(2 * time.Millisecond)}
	p, err := NewPublisher("bench", "bench", sink, o, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([]Message, b.N)
	for i := range msgs {
		msgs[i] = Message{Key: fmt.Sprintf("k%09d", i), Value: []byte(`{"fractal_dimension":1.2345,"lyapunov":-2.1,"features":[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]}`), Time: time.Now()}
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < b.N; i += 8 {
				if err := p.Publish(context.Background(), msgs[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := p.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	b.StopTimer()
	p.Close(context.Background())
}

// BenchmarkPublishWebhook: throughput to a local webhook, one message per request against
// batches of 100.
func BenchmarkPublishWebhook(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s, err := NewWebhookSink(WebhookConfig{URL: srv.URL, Secret: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			benchPublish(b, s, batch)
		})
	}
}

// BenchmarkPublishFile: throughput to the file sink (fsync per batch).
func BenchmarkPublishFile(b *testing.B) {
	for _, tc := range []struct {
		format string
		batch  int
	}{{"jsonl", 1}, {"jsonl", 100}, {"parquet", 100}, {"parquet", 1000}} {
		b.Run(fmt.Sprintf("%s/batch=%d", tc.format, tc.batch), func(b *testing.B) {
			s, err := NewFileSink(FileSinkConfig{Dir: b.TempDir(), Format: tc.format})
			if err != nil {
				b.Fatal(err)
			}
			benchPublish(b, s, tc.batch)
		})
	}
}

// BenchmarkSpoolAppend: durable appends of one message, from 1 and from 16 goroutines;
// with 16, group commit shares each fsync among the waiting appends.
func BenchmarkSpoolAppend(b *testing.B) {
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", par), func(b *testing.B) {
			s, err := openSpool(b.TempDir(), 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.close()
			m := testMsg(1)
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for g := range par {
				wg.Go(func() {
					for i := g; i < b.N; i += par {
						if err := s.append([]Message{m}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// gatedSink holds the first Send until open is closed, so a benchmark can fill the spool
// before delivery starts.
type gatedSink struct {
	Sink
	open chan struct{}
}

func (g gatedSink) Send(ctx context.Context, batch []Message) error {
	<-g.open
	return g.Sink.Send(ctx, batch)
}

// BenchmarkDrainWebhook: delivery alone (spool read, POST, ack) of b.N messages already in
// the spool, one message per request against batches of 100: what a publisher catches up
// at after an outage.
func BenchmarkDrainWebhook(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s, err := NewWebhookSink(WebhookConfig{URL: srv.URL, Secret: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			g := gatedSink{Sink: s, open: make(chan struct{})}
			o := DefaultPublisherOptions()
			o.Spool.Dir = b.TempDir()
			o.Batch = BatchOptions{Size: batch, Linger: Duration(2 * time.Millisecond)}
			p, err := NewPublisher("bench", "bench", g, o, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			msgs := make([]Message, b.N)
			for i := range msgs {
				msgs[i] = Message{Key: fmt.Sprintf("k%09d", i), Value: []byte(`{"fractal_dimension":1.2345,"features":[0.1,0.2,0.3]}`)}
			}
			if err := p.Publish(context.Background(), msgs...); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			close(g.open)
			if err := p.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
			b.StopTimer()
			p.Close(context.Background())
		})
	}
}
