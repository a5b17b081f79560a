package grpcapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	mfnv1 "mfn/api/proto/mfn/v1"
	"mfn/features"
	"mfn/server"
)

// service implements mfnv1.MfnServiceServer: each unary method is its REST route called in
// process, its request written as the REST JSON; Simulate and Nernst get their answer as
// values (the direct path), the others as the REST JSON read back (server.Transport.Call). Floats cross as shortest round-trip text, so the numbers are the REST numbers,
// bit for bit (TestUnaryMatchesREST).
type service struct {
	mfnv1.UnimplementedMfnServiceServer
	t *server.Transport
}

// call runs route with the JSON body and decodes the response into out.
func (s *service) call(ctx context.Context, route string, body []byte, out any) error {
	resp, err := s.t.Call(ctx, route, body, info(ctx))
	if err != nil {
		return toStatus(err)
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return toStatus(fmt.Errorf("decoding the %s response: %w", route, err))
	}
	return nil
}

// info is the call's CallInfo for the transport.
func info(ctx context.Context) server.CallInfo {
	c := callOf(ctx)
	return server.CallInfo{RequestID: c.requestID, KeyID: c.keyID, Method: c.method}
}

// Simulate and Nernst take the direct path (server.Transport.Simulate, Nernst): the request
// goes in as REST's JSON members, through REST's decoder and validation, and the answer comes
// back as values, not as JSON text to re-parse (docs/adr/0025-grpc.md, "The direct path").
func (s *service) Simulate(ctx context.Context, req *mfnv1.SimulateRequest) (*mfnv1.SimulateResponse, error) {
	b := newBody().uint64("seed", req.Seed).int32("grid_size", req.GridSize).int32("steps", req.Steps).
		float("alpha", req.Alpha).float("spike_probability", req.SpikeProbability).bool("turing_enabled", req.TuringEnabled).
		str("model", req.Model).str("preset", req.Preset).params("params", req.Params)
	r, err := s.t.Simulate(ctx, b.bytes(), info(ctx))
	if err != nil {
		return nil, toStatus(err)
	}
	out := &mfnv1.SimulateResponse{GrowthEvents: int64(r.GrowthEvents), PotMinMv: r.PotMin, PotMaxMv: r.PotMax,
		PotMeanMv: r.PotMean, PotStdMv: r.PotStd, FractalDimension: r.FractalDimension}
	if g := r.GM; g != nil {
		out.Model, out.Preset, out.GridSize, out.Steps = g.Model, g.Preset, int32(g.GridSize), int32(g.Steps)
		out.TuringActivations, out.ThresholdMode, out.ThresholdMv = int64(g.TuringActivations), g.ThresholdMode, g.ThresholdMV
		out.ActiveCells = int64(g.ActiveCells)
		out.Pattern = &mfnv1.Pattern{WavelengthCells: g.Pattern.WavelengthCells, PredictedWavelengthCells: g.Pattern.PredictedWavelengthCells,
			Contrast: g.Pattern.Contrast, PeakWavenumber: g.Pattern.PeakWavenumber}
	}
	return out, nil
}

func (s *service) Nernst(ctx context.Context, req *mfnv1.NernstRequest) (*mfnv1.NernstResponse, error) {
	b := newBody().int32("z_valence", req.ZValence).float("concentration_out_molar", req.ConcentrationOutMolar).
		float("concentration_in_molar", req.ConcentrationInMolar).float("temperature_k", req.TemperatureK)
	mv, err := s.t.Nernst(ctx, b.bytes(), info(ctx))
	if err != nil {
		return nil, toStatus(err)
	}
	return &mfnv1.NernstResponse{PotentialMv: mv}, nil
}

func (s *service) Validate(ctx context.Context, req *mfnv1.ValidateRequest) (*mfnv1.ValidateResponse, error) {
	b := newBody().int64("seed", req.Seed).int32("epochs", req.Epochs).int32("batch_size", req.BatchSize).
		int32("grid_size", req.GridSize).int32("steps", req.Steps).bool("turing_enabled", req.TuringEnabled).
		bool("quantum_jitter", req.QuantumJitter)
	var r struct {
		LossStart         float64 `json:"loss_start"`
		LossFinal         float64 `json:"loss_final"`
		LossDrop          float64 `json:"loss_drop"`
		PotMin            float64 `json:"pot_min_mV"`
		PotMax            float64 `json:"pot_max_mV"`
		ExampleFractalDim float64 `json:"example_fractal_dim"`
		Lyapunov          float64 `json:"lyapunov_exponent"`
		GrowthEvents      float64 `json:"growth_events"`
		NernstSymbolic    float64 `json:"nernst_symbolic_mV"`
		NernstNumeric     float64 `json:"nernst_numeric_mV"`
	}
	if err := s.call(ctx, "/validate", b.bytes(), &r); err != nil {
		return nil, err
	}
	return &mfnv1.ValidateResponse{LossStart: r.LossStart, LossFinal: r.LossFinal, LossDrop: r.LossDrop,
		PotMinMv: r.PotMin, PotMaxMv: r.PotMax, ExampleFractalDim: r.ExampleFractalDim, LyapunovExponent: r.Lyapunov,
		GrowthEvents: r.GrowthEvents, NernstSymbolicMv: r.NernstSymbolic, NernstNumericMv: r.NernstNumeric}, nil
}

func (s *service) Aggregate(ctx context.Context, req *mfnv1.AggregateRequest) (*mfnv1.AggregateResponse, error) {
	rows := make([][]float32, len(req.Gradients)) // none is REST's `[]`: "No gradients provided"
	for i, g := range req.Gradients {
		rows[i] = g.GetValues()
	}
	b := newBody().gradients("gradients", rows)
	b.int32("num_clusters", req.NumClusters).float("byzantine_fraction", req.ByzantineFraction)
	var r struct {
		Aggregated []float64 `json:"aggregated_gradient"`
		N          int64     `json:"num_input_gradients"`
	}
	if err := s.call(ctx, "/federated/aggregate", b.bytes(), &r); err != nil {
		return nil, err
	}
	out := &mfnv1.AggregateResponse{AggregatedGradient: make([]float32, len(r.Aggregated)), NumInputGradients: r.N}
	for i, v := range r.Aggregated {
		out.AggregatedGradient[i] = float32(v) // REST writes float32 values; this is exact
	}
	return out, nil
}

func (s *service) Features(ctx context.Context, req *mfnv1.FeaturesRequest) (*mfnv1.FeaturesResponse, error) {
	b := newBody().uint64("seed", req.Seed).int32("grid_size", req.GridSize).int32("steps", req.Steps).
		float("alpha", req.Alpha).float("spike_probability", req.SpikeProbability).bool("turing_enabled", req.TuringEnabled)
	var r map[string]float64
	if err := s.call(ctx, "/features", b.bytes(), &r); err != nil {
		return nil, err
	}
	out := &mfnv1.FeaturesResponse{}
	for _, name := range features.Names() {
		out.Features = append(out.Features, &mfnv1.Feature{Name: name, Value: r[name]})
	}
	return out, nil
}

// decodeB64 reads a base64 field of a REST crypto response.
func decodeB64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func (s *service) Encrypt(ctx context.Context, req *mfnv1.EncryptRequest) (*mfnv1.EncryptResponse, error) {
	b := newBody().str("plaintext", b64(req.Plaintext, true)).str("key_id", nonEmpty(req.KeyId)).
		str("associated_data", b64(req.AssociatedData, false))
	var r struct {
		Ciphertext string `json:"ciphertext"`
		KeyID      string `json:"key_id"`
		Algorithm  string `json:"algorithm"`
	}
	if err := s.call(ctx, "/api/encrypt", b.bytes(), &r); err != nil {
		return nil, err
	}
	ct, err := decodeB64(r.Ciphertext)
	return &mfnv1.EncryptResponse{Ciphertext: ct, KeyId: r.KeyID, Algorithm: r.Algorithm}, toStatus(err)
}

func (s *service) Decrypt(ctx context.Context, req *mfnv1.DecryptRequest) (*mfnv1.DecryptResponse, error) {
	b := newBody().str("ciphertext", b64(req.Ciphertext, true)).str("key_id", nonEmpty(req.KeyId)).
		str("associated_data", b64(req.AssociatedData, false))
	var r struct {
		Plaintext string `json:"plaintext"`
		KeyID     string `json:"key_id"`
	}
	if err := s.call(ctx, "/api/decrypt", b.bytes(), &r); err != nil {
		return nil, err
	}
	pt, err := decodeB64(r.Plaintext)
	return &mfnv1.DecryptResponse{Plaintext: pt, KeyId: r.KeyID}, toStatus(err)
}

func (s *service) Sign(ctx context.Context, req *mfnv1.SignRequest) (*mfnv1.SignResponse, error) {
	b := newBody().str("message", b64(req.Message, true)).str("key_id", nonEmpty(req.KeyId))
	var r struct {
		Signature string `json:"signature"`
		KeyID     string `json:"key_id"`
		Algorithm string `json:"algorithm"`
	}
	if err := s.call(ctx, "/api/sign", b.bytes(), &r); err != nil {
		return nil, err
	}
	sig, err := decodeB64(r.Signature)
	return &mfnv1.SignResponse{Signature: sig, KeyId: r.KeyID, Algorithm: r.Algorithm}, toStatus(err)
}

func (s *service) Verify(ctx context.Context, req *mfnv1.VerifyRequest) (*mfnv1.VerifyResponse, error) {
	b := newBody().str("message", b64(req.Message, true)).str("signature", b64(req.Signature, true)).
		str("public_key", b64(req.PublicKey, false)).str("key_id", nonEmpty(req.KeyId))
	var r struct {
		Valid     bool    `json:"valid"`
		KeyID     *string `json:"key_id"`
		Algorithm string  `json:"algorithm"`
	}
	if err := s.call(ctx, "/api/verify", b.bytes(), &r); err != nil {
		return nil, err
	}
	return &mfnv1.VerifyResponse{Valid: r.Valid, KeyId: r.KeyID, Algorithm: r.Algorithm}, nil
}

func (s *service) Keypair(ctx context.Context, req *mfnv1.KeypairRequest) (*mfnv1.KeypairResponse, error) {
	b := newBody().str("algorithm", req.Algorithm).str("key_id", nonEmpty(req.KeyId))
	var r struct {
		KeyID     string `json:"key_id"`
		PublicKey string `json:"public_key"`
		Algorithm string `json:"algorithm"`
	}
	if err := s.call(ctx, "/api/keypair", b.bytes(), &r); err != nil {
		return nil, err
	}
	pub, err := decodeB64(r.PublicKey)
	return &mfnv1.KeypairResponse{KeyId: r.KeyID, PublicKey: pub, Algorithm: r.Algorithm}, toStatus(err)
}
