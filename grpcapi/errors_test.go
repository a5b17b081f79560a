package grpcapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	mfnv1 "mfn/api/proto/mfn/v1"
)

func codeOf(err error) string { return status.Code(err).String() }

// restIssues is the "loc: msg" list of a REST 422 body, as the gRPC message writes it.
func restIssues(t testing.TB, body map[string]any) string {
	t.Helper()
	list, ok := body["detail"].([]any)
	if !ok {
		return fmt.Sprint(body["detail"])
	}
	var msgs []string
	for _, it := range list {
		m := it.(map[string]any)
		var loc []any
		for _, p := range m["loc"].([]any) {
			if n, ok := p.(interface{ String() string }); ok && fmt.Sprintf("%T", p) == "json.Number" {
				var i int
				fmt.Sscan(n.String(), &i)
				p = i
			}
			loc = append(loc, p)
		}
		msgs = append(msgs, issueField(loc)+": "+m["msg"].(string))
	}
	return strings.Join(msgs, "; ")
}

// TestInvalidArgumentsMatchREST: a bad parameter is InvalidArgument with the REST texts (the
// field named), the same for every error REST answers with 400 or 422.
func TestInvalidArgumentsMatchREST(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	cases := []struct {
		path string
		rest map[string]any
		call func() error
		want string // in the message
	}{
		{"/simulate", map[string]any{"grid_size": 1000}, func() error {
			_, err := h.client.Simulate(ctx, &mfnv1.SimulateRequest{GridSize: ptr[int32](1000)})
			return err
		}, "grid_size"},
		{"/simulate", map[string]any{"alpha": 0.9}, func() error {
			_, err := h.client.Simulate(ctx, &mfnv1.SimulateRequest{Alpha: ptr(0.9)})
			return err
		}, "alpha"},
		{"/simulate", map[string]any{"alpha": "NaN"}, func() error {
			_, err := h.client.Simulate(ctx, &mfnv1.SimulateRequest{Alpha: ptr(math.NaN())})
			return err
		}, "alpha"},
		{"/nernst", map[string]any{"concentration_in_molar": 0.1}, func() error {
			_, err := h.client.Nernst(ctx, &mfnv1.NernstRequest{ConcentrationInMolar: ptr(0.1)})
			return err
		}, "concentration_out_molar"},
		{"/nernst", map[string]any{"concentration_out_molar": -1, "concentration_in_molar": 0.1}, func() error {
			_, err := h.client.Nernst(ctx, &mfnv1.NernstRequest{ConcentrationOutMolar: ptr(-1.0), ConcentrationInMolar: ptr(0.1)})
			return err
		}, "concentration_out_molar"},
		{"/validate", map[string]any{"epochs": 0}, func() error {
			_, err := h.client.Validate(ctx, &mfnv1.ValidateRequest{Epochs: ptr[int32](0)})
			return err
		}, "epochs"},
		{"/federated/aggregate", map[string]any{"gradients": [][]float64{{1, 2}, {3}}}, func() error {
			_, err := h.client.Aggregate(ctx, &mfnv1.AggregateRequest{Gradients: []*mfnv1.Gradient{{Values: []float32{1, 2}}, {Values: []float32{3}}}})
			return err
		}, "gradients[1]"},
		{"/federated/aggregate", map[string]any{"gradients": [][]float64{{1, 2}}, "byzantine_fraction": 0.7}, func() error {
			_, err := h.client.Aggregate(ctx, &mfnv1.AggregateRequest{Gradients: []*mfnv1.Gradient{{Values: []float32{1, 2}}}, ByzantineFraction: ptr(0.7)})
			return err
		}, "byzantine_fraction"},
		{"/api/sign", map[string]any{"message": "bWVz", "key_id": "nope"}, func() error {
			_, err := h.client.Sign(ctx, &mfnv1.SignRequest{Message: []byte("mes"), KeyId: "nope"})
			return err
		}, "nope"},
	}
	for _, c := range cases {
		code, body := h.rest(t, c.path, c.rest, "")
		if code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
			t.Fatalf("REST %s %v: %d, want 400 or 422", c.path, c.rest, code)
		}
		err := c.call()
		st := status.Convert(err)
		if st.Code().String() != "InvalidArgument" {
			t.Errorf("%s %v: %v, want InvalidArgument", c.path, c.rest, err)
			continue
		}
		if want := restIssues(t, body); st.Message() != want {
			t.Errorf("%s %v: message %q, REST says %q", c.path, c.rest, st.Message(), want)
		}
		if !strings.Contains(st.Message(), c.want) {
			t.Errorf("%s: message %q does not name %s", c.path, st.Message(), c.want)
		}
		if code == http.StatusUnprocessableEntity {
			var br *errdetails.BadRequest
			for _, d := range st.Details() {
				if b, ok := d.(*errdetails.BadRequest); ok {
					br = b
				}
			}
			if br == nil || len(br.FieldViolations) == 0 || !strings.HasPrefix(br.FieldViolations[0].Field, strings.SplitN(c.want, "[", 2)[0]) {
				t.Errorf("%s: details %v lack a field violation of %s", c.path, st.Details(), c.want)
			}
		}
	}
}

// TestAPIKeys: without a key, or with a wrong one, calls are Unauthenticated with the REST
// text; health and reflection stay open; a key rotated in through the key file works at once.
func TestAPIKeys(t *testing.T) {
	h := newHarness(t, map[string]string{"MFN_API_KEY_REQUIRED": "true", "MFN_API_KEY": testKey})
	ctx := context.Background()
	req := &mfnv1.NernstRequest{ConcentrationOutMolar: ptr(0.005), ConcentrationInMolar: ptr(0.14)}
	for _, key := range []string{"", "wrong"} {
		c := ctx
		if key != "" {
			c = withKey(ctx, key)
		}
		_, err := h.client.Nernst(c, req)
		if st := status.Convert(err); st.Code().String() != "Unauthenticated" || st.Message() != "Invalid or missing API key" {
			t.Errorf("key %q: %v, want Unauthenticated", key, err)
		}
	}
	if _, err := h.client.Nernst(withKey(ctx, testKey), req); err != nil {
		t.Errorf("with the key: %v", err)
	}
	if _, err := healthCheck(ctx, h.conn); err != nil {
		t.Errorf("health without a key: %v", err)
	}
}

// TestRateLimitIsREST's: the bucket of a key is the same for both transports, so REST calls
// spend what gRPC can then call; an empty bucket is ResourceExhausted with RetryInfo.
func TestRateLimitIsRESTs(t *testing.T) {
	h := newHarness(t, map[string]string{"MFN_RATE_LIMIT_ENABLED": "true", "MFN_RATE_LIMIT_ROUTES": "/nernst=3",
		"MFN_API_KEY_REQUIRED": "true", "MFN_API_KEY": testKey})
	ctx := withKey(context.Background(), testKey)
	body := map[string]any{"concentration_out_molar": 0.005, "concentration_in_molar": 0.14}
	for range 2 {
		if code, b := h.rest(t, "/nernst", body, testKey); code != http.StatusOK {
			t.Fatalf("REST: %d %v", code, b)
		}
	}
	req := &mfnv1.NernstRequest{ConcentrationOutMolar: ptr(0.005), ConcentrationInMolar: ptr(0.14)}
	if _, err := h.client.Nernst(ctx, req); err != nil {
		t.Fatalf("third call (over gRPC): %v", err)
	}
	_, err := h.client.Nernst(ctx, req)
	st := status.Convert(err)
	if st.Code().String() != "ResourceExhausted" || st.Message() != "Rate limit exceeded" {
		t.Fatalf("fourth call: %v, want ResourceExhausted", err)
	}
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if retry == nil || retry.RetryDelay.AsDuration() < time.Second {
		t.Errorf("details %v: want RetryInfo of at least 1s", st.Details())
	}
	if code, _ := h.rest(t, "/nernst", body, testKey); code != http.StatusTooManyRequests {
		t.Errorf("REST after gRPC spent the bucket: %d, want 429", code)
	}
}

// TestOverloadIsUnavailable: with one worker and no queue, concurrent simulations beyond the
// first are refused at once with Unavailable (the REST 503), never queued without bound.
func TestOverloadIsUnavailable(t *testing.T) {
	h := newHarness(t, map[string]string{"MFN_WORKERS": "1", "MFN_QUEUE_SIZE": "0"})
	ctx := context.Background()
	var wg sync.WaitGroup
	codes := make([]string, 6)
	for i := range codes {
		wg.Go(func() {
			_, err := h.client.Simulate(ctx, &mfnv1.SimulateRequest{GridSize: ptr[int32](128), Steps: ptr[int32](200)})
			codes[i] = codeOf(err)
		})
	}
	wg.Wait()
	ok, busy := 0, 0
	for _, c := range codes {
		switch c {
		case "OK":
			ok++
		case "Unavailable":
			busy++
		default:
			t.Errorf("code %s", c)
		}
	}
	if ok == 0 || busy == 0 {
		t.Errorf("codes %v: want some OK and some Unavailable", codes)
	}
}

// TestDeadlineExceeded: the caller's deadline bounds the work, which stops.
func TestDeadlineExceeded(t *testing.T) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := h.client.Simulate(ctx, &mfnv1.SimulateRequest{GridSize: ptr[int32](256), Steps: ptr[int32](1000)})
	if codeOf(err) != "DeadlineExceeded" {
		t.Fatalf("%v, want DeadlineExceeded", err)
	}
}

// TestRequestIDAndAccessLog: the caller's x-request-id comes back and names the log line.
func TestRequestIDAndAccessLog(t *testing.T) {
	h := newHarness(t, nil)
	var hdr metadata.MD
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "grpc-req-1")
	if _, err := h.client.Nernst(ctx, &mfnv1.NernstRequest{ConcentrationOutMolar: ptr(0.005), ConcentrationInMolar: ptr(0.14)},
		grpc.Header(&hdr)); err != nil {
		t.Fatal(err)
	}
	if got := hdr.Get("x-request-id"); len(got) != 1 || got[0] != "grpc-req-1" {
		t.Errorf("x-request-id %v", got)
	}
	if _, err := h.client.Nernst(context.Background(), &mfnv1.NernstRequest{}, grpc.Header(&hdr)); err == nil {
		t.Fatal("want an error")
	}
	if got := hdr.Get("x-request-id"); len(got) != 1 || len(got[0]) != 36 {
		t.Errorf("generated x-request-id %v, want a UUID", got)
	}
	logs := h.logs.String()
	for _, want := range []string{`"request_id":"grpc-req-1"`, `"method":"/mfn.v1.MfnService/Nernst"`, `"code":"OK"`, `"code":"InvalidArgument"`, `"transport":"grpc"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the access log lacks %s:\n%s", want, logs)
		}
	}
}
