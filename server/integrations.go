package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"mfn/integration"
	"mfn/simjob"
	"mfn/stream"
)

// Option adjusts Open beyond the environment's configuration.
type Option func(*openOptions)

type openOptions struct {
	integrations *integration.Config
}

// WithIntegrations makes the service publish to the targets of an integrations file:
// /simulate results on route "simulate", every target's health on GET /health/connectors,
// and /ready failing while a required publisher is down.
func WithIntegrations(cfg integration.Config) Option {
	return func(o *openOptions) { o.integrations = &cfg }
}

// simulatePublished is the message a /simulate result becomes on route "simulate".
type simulatePublished struct {
	RequestID string          `json:"request_id"`
	Request   simjob.Request  `json:"request"`
	Response  json.RawMessage `json:"response"`
}

// publishSimulate puts a /simulate result in the spools of route "simulate" (a no-op without
// that route). The key is the request ID, so a client retrying with the same X-Request-ID
// produces a duplicate receivers drop.
func publishSimulate(ctx context.Context, hub *integration.Hub, req simulateRequest, response []byte) error {
	if hub == nil || !hub.HasRoute(integration.RouteSimulate) {
		return nil
	}
	id := ""
	if rec := recordOf(ctx); rec != nil {
		id = rec.id
	}
	v, err := json.Marshal(simulatePublished{RequestID: id, Response: response, Request: simjob.Request{
		Seed: req.Seed, GridSize: req.GridSize, Steps: req.Steps, Alpha: req.Alpha,
		SpikeProbability: req.SpikeProbability, TuringEnabled: req.TuringEnabled, Spec: req.Model}})
	if err != nil {
		return err
	}
	return hub.Publish(context.WithoutCancel(ctx), integration.RouteSimulate, integration.Message{Key: id, Value: v, Time: time.Now().UTC(),
		Trace: integration.TraceOf(ctx)})
}

// handleConnectorHealth is GET /health/connectors: every publisher's and opened connector's
// health and breaker state; status "degraded" when any is unhealthy (/ready is the gate,
// this is the detail).
func handleConnectorHealth(hub *integration.Hub) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := struct {
			Status  string               `json:"status"`
			Targets []integration.Health `json:"targets"`
		}{Status: "disabled", Targets: []integration.Health{}}
		if hub != nil {
			body.Status, body.Targets = "ok", hub.Health()
			for _, h := range body.Targets {
				if !h.Healthy {
					body.Status = "degraded"
				}
			}
		}
		b, err := json.Marshal(body)
		if err != nil {
			writeError(w, r, err)
			return
		}
		setJSONHeaders(w.Header(), strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	})
}

// integrationsReady is the integrations line of /ready.
func integrationsReady(hub *integration.Hub) (bool, string) {
	if hub == nil {
		return true, "disabled"
	}
	return hub.Ready()
}

// streamPublished is the message a finished simulation stream becomes on route "stream".
type streamPublished struct {
	Params   simjob.Request  `json:"params"`
	Steps    int             `json:"steps"`
	Complete json.RawMessage `json:"simulation_complete"`
}

// publishStream returns the streams' Completed hook: each simulation stream that runs to its
// end is published on route "stream" under a fresh key (nil without that route). A failure
// is logged; the client already has its frames.
func publishStream(hub *integration.Hub, log *slog.Logger) func(context.Context, stream.SimParams, json.RawMessage) {
	if hub == nil || !hub.HasRoute(integration.RouteStream) {
		return nil
	}
	return func(ctx context.Context, p stream.SimParams, complete json.RawMessage) {
		v, err := json.Marshal(streamPublished{Steps: p.Steps, Complete: complete, Params: simjob.Request{
			Seed: p.Seed, GridSize: p.GridSize, Steps: p.Steps, Alpha: p.Alpha,
			SpikeProbability: p.SpikeProbability, TuringEnabled: p.TuringEnabled, Spec: p.Model}})
		if err == nil {
			err = hub.Publish(context.WithoutCancel(ctx), integration.RouteStream,
				integration.Message{Key: "stream-" + newUUID(), Value: v, Time: time.Now().UTC()})
		}
		if err != nil {
			log.Error("publishing a finished stream on route stream", "error", err)
		}
	}
}
