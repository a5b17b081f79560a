package grpcapi

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// BenchmarkNernst compares one Nernst call over gRPC (bufconn, client included) with the
// REST handler (in process, no network), to show the gRPC layer's own cost.
func BenchmarkNernst(b *testing.B) {
	h := newHarness(b, map[string]string{"MFN_LOG_LEVEL": "WARNING"})
	req := &mfnv1.NernstRequest{ZValence: ptr[int32](1), ConcentrationOutMolar: ptr(0.005), ConcentrationInMolar: ptr(0.14), TemperatureK: ptr(310.0)}
	b.Run("grpc", func(b *testing.B) {
		for b.Loop() {
			if _, err := h.client.Nernst(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
	body := []byte(`{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}`)
	b.Run("rest", func(b *testing.B) {
		for b.Loop() {
			r := httptest.NewRequest(http.MethodPost, "/nernst", bytes.NewReader(body))
			w := httptest.NewRecorder()
			h.app.Handler().ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	})
}

// BenchmarkHealthCheck is the floor: a call that does nothing of the service's.
func BenchmarkHealthCheck(b *testing.B) {
	h := newHarness(b, map[string]string{"MFN_LOG_LEVEL": "WARNING"})
	for b.Loop() {
		if _, err := healthCheck(context.Background(), h.conn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulate is Simulate 64×64×64 from 4 concurrent callers over gRPC (bufconn, client
// included) and through the REST handler (in process): the pool bounds both.
func BenchmarkSimulate(b *testing.B) {
	h := newHarness(b, map[string]string{"MFN_LOG_LEVEL": "WARNING"})
	req := &mfnv1.SimulateRequest{Seed: ptr[uint64](42), GridSize: ptr[int32](64), Steps: ptr[int32](64)}
	b.Run("grpc", func(b *testing.B) {
		b.SetParallelism(2)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := h.client.Simulate(context.Background(), req); err != nil {
					b.Error(err)
				}
			}
		})
	})
	body := []byte(`{"seed":42,"grid_size":64,"steps":64}`)
	b.Run("rest", func(b *testing.B) {
		b.SetParallelism(2)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := httptest.NewRequest(http.MethodPost, "/simulate", bytes.NewReader(body))
				w := httptest.NewRecorder()
				h.app.Handler().ServeHTTP(w, r)
				if w.Code != 200 {
					b.Error(w.Code)
				}
			}
		})
	})
}

// BenchmarkServicePath is a unary method's service code without the gRPC transport: "call"
// is the path Simulate and Nernst took before the direct path (the REST handler run on a
// built http.Request through server.Transport.Call, its JSON response parsed back), "direct"
// is theirs now (server.Transport.Simulate and Nernst: the answer as values). Compare the
// two in one run: go test ./grpcapi -run X -bench ServicePath -count 5.
func BenchmarkServicePath(b *testing.B) {
	h := newHarness(b, map[string]string{"MFN_LOG_LEVEL": "WARNING"})
	tr := h.app.Transport()
	svc := &service{t: tr}
	ctx := context.WithValue(context.Background(), callKey{}, &callState{requestID: "bench", method: "bench"})
	nreq := &mfnv1.NernstRequest{ZValence: ptr[int32](1), ConcentrationOutMolar: ptr(0.005), ConcentrationInMolar: ptr(0.14), TemperatureK: ptr(310.0)}
	sreq := &mfnv1.SimulateRequest{Seed: ptr[uint64](42), GridSize: ptr[int32](64), Steps: ptr[int32](64)}
	b.Run("nernst/call", func(b *testing.B) {
		for b.Loop() {
			body := newBody().int32("z_valence", nreq.ZValence).float("concentration_out_molar", nreq.ConcentrationOutMolar).
				float("concentration_in_molar", nreq.ConcentrationInMolar).float("temperature_k", nreq.TemperatureK)
			var r struct {
				Potential float64 `json:"potential_mV"`
			}
			if err := svc.call(ctx, "/nernst", body.bytes(), &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("nernst/direct", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Nernst(ctx, nreq); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("simulate/call", func(b *testing.B) {
		for b.Loop() {
			body := newBody().uint64("seed", sreq.Seed).int32("grid_size", sreq.GridSize).int32("steps", sreq.Steps)
			var r struct { // the fields the old Simulate read back (the gm ones are absent here)
				GrowthEvents     int64   `json:"growth_events"`
				PotMin           float64 `json:"pot_min_mV"`
				PotMax           float64 `json:"pot_max_mV"`
				PotMean          float64 `json:"pot_mean_mV"`
				PotStd           float64 `json:"pot_std_mV"`
				FractalDimension float64 `json:"fractal_dimension"`
			}
			if err := svc.call(ctx, "/simulate", body.bytes(), &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("simulate/direct", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Simulate(ctx, sreq); err != nil {
				b.Fatal(err)
			}
		}
	})
}
