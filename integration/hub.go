package integration

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Hub is a running integrations file: every publisher (opened at once, so that a spool left
// by a crash starts draining), the connectors (opened when first asked for: a service that
// only publishes must not join a consumer group it never polls), the routes, and a health
// loop that probes every target each health_interval.
type Hub struct {
	cfg  Config
	log  *slog.Logger
	cm   *ConnectorMetrics
	pubs []*Publisher
	byID map[string]*Publisher
	rts  map[string][]*Publisher

	mu   sync.Mutex
	srcs map[string]*instrumented
	srcO []string

	cancel context.CancelFunc
	done   chan struct{}
}

// Open builds the hub's publishers and starts its health loop. reg may be nil.
func Open(cfg Config, reg prometheus.Registerer, log *slog.Logger) (h *Hub, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h = &Hub{cfg: cfg, log: log, cm: NewConnectorMetrics(reg), byID: map[string]*Publisher{},
		rts: map[string][]*Publisher{}, srcs: map[string]*instrumented{}, done: make(chan struct{})}
	built := h // an error return sets h to nil; the publishers opened so far must still close
	defer func() {
		if err != nil {
			for _, p := range built.pubs {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_ = p.Close(ctx)
				cancel()
			}
		}
	}()
	m := NewMetrics(reg)
	for i, pc := range cfg.Publishers {
		sink, err := newSink(pc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", entryName("publishers", i, pc.Name), err)
		}
		p, err := NewPublisher(pc.Name, pc.Type, sink, pc.Options(), m, log)
		if err != nil {
			sink.Close()
			return nil, fmt.Errorf("%s: %w", entryName("publishers", i, pc.Name), err)
		}
		h.pubs = append(h.pubs, p)
		h.byID[pc.Name] = p
	}
	for _, r := range cfg.Routes {
		for _, to := range r.To {
			h.rts[r.From] = append(h.rts[r.From], h.byID[to])
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go h.healthLoop(ctx)
	return h, nil
}

func newSink(pc PublisherConfig) (Sink, error) {
	switch pc.Type {
	case "webhook":
		return NewWebhookSink(*pc.Webhook)
	case "kafka":
		return NewKafkaSink(*pc.Kafka)
	case "file":
		return NewFileSink(*pc.File)
	}
	return nil, fmt.Errorf("type: %q is not a publisher type", pc.Type)
}

// Config is the configuration the hub runs.
func (h *Hub) Config() Config { return h.cfg }

// HasRoute reports whether anything is published for from.
func (h *Hub) HasRoute(from string) bool { return len(h.rts[from]) > 0 }

// Publish hands msg to every publisher of the route from (nothing when it has none) and
// returns once it is durable in each spool. Publishers that took it keep it when another
// fails; a retry by the caller is de-duplicated downstream by msg.Key.
func (h *Hub) Publish(ctx context.Context, from string, msg Message) error {
	var errs []error
	for _, p := range h.rts[from] {
		if err := p.Publish(ctx, msg); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Publisher returns the named publisher (nil if there is none).
func (h *Hub) Publisher(name string) *Publisher { return h.byID[name] }

// Source opens (once) and returns the named connector, instrumented with metrics and health.
func (h *Hub) Source(name string) (Source, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.srcs[name]; s != nil {
		return s, nil
	}
	for i, cc := range h.cfg.Connectors {
		if cc.Name != name {
			continue
		}
		var src Source
		var err error
		switch cc.Type {
		case "kafka":
			src, err = NewKafkaSource(*cc.Kafka)
		case "rest":
			src, err = NewRESTSource(*cc.REST)
		case "file":
			src, err = NewFileSource(*cc.File, h.log.With("connector", name))
		default:
			err = fmt.Errorf("type: %q is not a connector type", cc.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", entryName("connectors", i, name), err)
		}
		s := Instrument(name, cc.Type, src, h.cm).(*instrumented)
		h.srcs[name] = s
		h.srcO = append(h.srcO, name)
		return s, nil
	}
	return nil, fmt.Errorf("no connector %q in the integrations file (connectors: %s)", name, h.connectorNames())
}

func (h *Hub) connectorNames() string {
	set := map[string]bool{}
	for _, c := range h.cfg.Connectors {
		set[c.Name] = true
	}
	return names(set)
}

// ConnectorMetrics are the hub's connector series (for the worker's rejected count).
func (h *Hub) ConnectorMetrics() *ConnectorMetrics { return h.cm }

// Health lists every publisher, then every opened connector, in configuration order.
func (h *Hub) Health() []Health {
	out := make([]Health, 0, len(h.pubs)+len(h.srcs))
	for _, p := range h.pubs {
		out = append(out, p.Health())
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.srcO {
		out = append(out, h.srcs[n].Health())
	}
	return out
}

// Ready is false, with the reason, while a required publisher is unhealthy.
func (h *Hub) Ready() (bool, string) {
	var down []string
	for _, p := range h.pubs {
		hl := p.Health()
		if hl.Required && !hl.Healthy {
			why := "breaker " + string(hl.Breaker)
			if hl.Breaker != BreakerOpen && hl.LastError != "" {
				why = hl.LastError
			}
			down = append(down, fmt.Sprintf("publisher %s: %s", hl.Name, why))
		}
	}
	if len(down) > 0 {
		return false, strings.Join(down, "; ")
	}
	return true, "ok"
}

// CheckNow probes every target once (the health loop does this each health_interval).
func (h *Hub) CheckNow(ctx context.Context) {
	timeout := min(h.cfg.HealthInterval.D(), 5*time.Second)
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	for _, p := range h.pubs {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		if err := p.Check(cctx); err != nil && ctx.Err() == nil {
			h.log.Warn("health check failed", "publisher", p.Health().Name, "error", err)
		}
		cancel()
	}
	h.mu.Lock()
	srcs := make([]*instrumented, 0, len(h.srcO))
	for _, n := range h.srcO {
		srcs = append(srcs, h.srcs[n])
	}
	h.mu.Unlock()
	for _, s := range srcs {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		if err := s.Check(cctx); err != nil && ctx.Err() == nil {
			h.log.Warn("health check failed", "connector", s.name, "error", err)
		}
		cancel()
	}
}

func (h *Hub) healthLoop(ctx context.Context) {
	defer close(h.done)
	interval := h.cfg.HealthInterval.D()
	if interval <= 0 {
		interval = 10 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		h.CheckNow(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops the health loop, closes the connectors (uncommitted requests go back to
// their upstream), then closes the publishers: each delivers what it can until ctx ends
// and keeps the rest in its spool.
func (h *Hub) Close(ctx context.Context) error {
	h.cancel()
	<-h.done
	var errs []error
	h.mu.Lock()
	for _, n := range h.srcO {
		if err := h.srcs[n].Close(); err != nil {
			errs = append(errs, fmt.Errorf("connector %s: %w", n, err))
		}
	}
	h.srcs, h.srcO = map[string]*instrumented{}, nil
	h.mu.Unlock()
	for _, p := range h.pubs {
		if err := p.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
