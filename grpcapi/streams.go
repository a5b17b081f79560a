package grpcapi

import (
	"context"
	"encoding/json"

	"google.golang.org/grpc"

	mfnv1 "mfn/api/proto/mfn/v1"
	"mfn/stream"
)

// defaultStreamID names a gRPC stream in its frames when the request does not.
const defaultStreamID = "grpc"

func streamID(id string) string {
	if id == "" {
		return defaultStreamID
	}
	return id
}

func (s *service) StreamSimulation(req *mfnv1.StreamSimulationRequest, ss grpc.ServerStreamingServer[mfnv1.StreamSimulationResponse]) error {
	b := newBody().uint64("seed", req.Seed).int32("grid_size", req.GridSize).int32("steps", req.Steps).
		float("alpha", req.Alpha).float("spike_probability", req.SpikeProbability).bool("turing_enabled", req.TuringEnabled).
		int32("update_interval_steps", req.UpdateIntervalSteps).bool("include_full_state", req.IncludeFullState).
		int32("update_interval_ms", req.UpdateIntervalMs).
		str("model", req.Model).str("preset", req.Preset).params("params", req.Params)
	return s.run(ss.Context(), stream.KindSimulation, streamID(req.StreamId), b.bytes(), func(f stream.Frame) error {
		return ss.Send(&mfnv1.StreamSimulationResponse{Frame: frameOf(f)})
	})
}

func (s *service) StreamFeatures(req *mfnv1.StreamFeaturesRequest, ss grpc.ServerStreamingServer[mfnv1.StreamFeaturesResponse]) error {
	b := newBody().int32("update_interval_ms", req.UpdateIntervalMs).
		str("model", req.Model).str("preset", req.Preset).params("params", req.Params)
	if len(req.Features) > 0 {
		names, _ := json.Marshal(req.Features)
		b.key("features")
		b.b = append(b.b, names...)
	}
	return s.run(ss.Context(), stream.KindFeatures, streamID(req.StreamId), b.bytes(), func(f stream.Frame) error {
		return ss.Send(&mfnv1.StreamFeaturesResponse{Frame: frameOf(f)})
	})
}

// run serves a stream through the hub the WebSocket and SSE streams share (its connection
// limits, pacing and shutdown), with the subscribe params' validation.
func (s *service) run(ctx context.Context, kind stream.Kind, id string, params []byte, send func(stream.Frame) error) error {
	return toStatus(s.t.Streams().Run(ctx, kind, id, params, callOf(ctx).keyID, "grpc", send))
}

func frameOf(f stream.Frame) *mfnv1.StreamFrame {
	return &mfnv1.StreamFrame{Id: f.ID, Type: f.Type, Json: string(f.Data)}
}
