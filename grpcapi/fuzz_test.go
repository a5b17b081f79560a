package grpcapi

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// jsonNumber writes v as REST clients would; NaN and ±Inf as the strings the translation sends.
func jsonNumber(v float64) any {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return json.Number(strconv.FormatFloat(v, 'g', -1, 64))
}

// FuzzNernstMatchesREST: for any inputs, Nernst over gRPC and POST /nernst agree: both
// succeed with the same bits, or both refuse (InvalidArgument for 400/422) with the same text.
func FuzzNernstMatchesREST(f *testing.F) {
	f.Add(int32(1), 0.005, 0.14, 310.0, true)
	f.Add(int32(0), 0.005, 0.14, 310.0, true)
	f.Add(int32(2), -1.0, 1e-300, 400.0, false)
	f.Add(int32(-3), math.NaN(), math.Inf(1), 273.15, true)
	h := newHarness(f, map[string]string{"MFN_LOG_LEVEL": "WARNING"})
	f.Fuzz(func(t *testing.T, z int32, out, in, tempK float64, withTemp bool) {
		rest := map[string]any{"z_valence": z, "concentration_out_molar": jsonNumber(out), "concentration_in_molar": jsonNumber(in)}
		req := &mfnv1.NernstRequest{ZValence: &z, ConcentrationOutMolar: &out, ConcentrationInMolar: &in}
		if withTemp {
			rest["temperature_k"] = jsonNumber(tempK)
			req.TemperatureK = &tempK
		}
		code, body := h.rest(t, "/nernst", rest, "")
		got, err := h.client.Nernst(context.Background(), req)
		st := status.Convert(err)
		switch code {
		case http.StatusOK:
			if err != nil {
				t.Fatalf("REST 200 %v, gRPC %v", body, err)
			}
			same(t, "potential_mV", got.PotentialMv, num(t, body["potential_mV"]))
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			if st.Code() != codes.InvalidArgument || st.Message() != restIssues(t, body) {
				t.Fatalf("REST %d %v, gRPC %v", code, body, err)
			}
		default:
			t.Fatalf("REST %d %v", code, body)
		}
	})
}
