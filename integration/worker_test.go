package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// memSource hands out its batches one Poll at a time, then blocks; it records commits.
type memSource struct {
	mu        sync.Mutex
	batches   [][]Delivery
	committed []string
}

func (s *memSource) Poll(ctx context.Context) ([]Delivery, error) {
	s.mu.Lock()
	if len(s.batches) > 0 {
		b := s.batches[0]
		s.batches = s.batches[1:]
		s.mu.Unlock()
		return b, nil
	}
	s.mu.Unlock()
	<-ctx.Done()
	return nil, ctx.Err()
}

func (s *memSource) Commit(_ context.Context, ds []Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range ds {
		s.committed = append(s.committed, d.Key)
	}
	return nil
}
func (s *memSource) Check(context.Context) error { return nil }
func (s *memSource) Close() error                { return nil }

func deliveries(vals ...string) []Delivery {
	ds := make([]Delivery, len(vals))
	for i, v := range vals {
		ds[i] = Delivery{Message: Message{Key: fmt.Sprintf("k%d", i), Value: []byte(v)}, Origin: "mem"}
	}
	return ds
}

// TestRunWorkerBadRequest: a request process refuses becomes an error result and is
// committed; good ones are published and committed.
func TestRunWorkerBadRequest(t *testing.T) {
	src := &memSource{batches: [][]Delivery{deliveries(`{"ok":1}`, `bad`, `{"ok":2}`)}}
	var mu sync.Mutex
	published := map[string]string{}
	ctx, cancel := context.WithCancel(context.Background())
	process := func(_ context.Context, m Message) (Message, error) {
		if !json.Valid(m.Value) {
			return Message{}, errors.New("not JSON")
		}
		return Message{Key: m.Key, Value: m.Value}, nil
	}
	pub := func(_ context.Context, m Message) error {
		mu.Lock()
		defer mu.Unlock()
		published[m.Key] = string(m.Value)
		if len(published) == 3 {
			go cancel()
		}
		return nil
	}
	if err := RunWorkerN(ctx, src, 2, process, pub, nil); err != nil {
		t.Fatal(err)
	}
	if published["k1"] != `{"error":"not JSON","request":"bad"}` || published["k0"] != `{"ok":1}` {
		t.Errorf("published %v", published)
	}
	if len(src.committed) != 3 {
		t.Errorf("committed %v, want all three", src.committed)
	}
}

// TestRunWorkerStopCommitsOnlyPublished: stopping mid-batch commits what was published and
// leaves the rest (the one whose publish never succeeded, those never started).
func TestRunWorkerStopCommitsOnlyPublished(t *testing.T) {
	src := &memSource{batches: [][]Delivery{deliveries(`1`, `2`, `3`, `4`)}}
	ctx, cancel := context.WithCancel(context.Background())
	process := func(_ context.Context, m Message) (Message, error) { return m, nil }
	pub := func(_ context.Context, m Message) error {
		if m.Key == "k1" { // the target's spool is full: stop while this one waits
			cancel()
			return errors.New("spool full")
		}
		return nil
	}
	done := make(chan error)
	go func() { done <- RunWorker(ctx, src, process, pub, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunWorker did not stop")
	}
	if len(src.committed) != 1 || src.committed[0] != "k0" {
		t.Errorf("committed %v, want only k0", src.committed)
	}
}
