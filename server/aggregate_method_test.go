package server

import (
	"strings"
	"testing"
)

func TestAggregateMethodField(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	grads := `[[100,-100],[1,10],[2,20],[3,30],[4,40]]`
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		// Without method, or with the default named, today's hierarchical Krum.
		{`{"gradients":[[1.0,2.0],[1.1,2.1],[0.9,1.9],[100.0,-100.0]],"num_clusters":1,"byzantine_fraction":0.25,"method":"hierarchical-krum"}`,
			200, `{"aggregated_gradient":[1.0,2.0],"num_input_gradients":4}`},
		{`{"gradients":[[1.0,2.0],[1.1,2.1],[0.9,1.9],[100.0,-100.0]],"num_clusters":1,"byzantine_fraction":0.25,"method":null}`,
			200, `{"aggregated_gradient":[1.0,2.0],"num_input_gradients":4}`},
		// f = floor(0.2·5) = 1; values worked from the definitions (see the CLI's tests).
		{`{"gradients":` + grads + `,"method":"fedavg"}`, 200, `{"aggregated_gradient":[22.0,0.0],"num_input_gradients":5}`},
		{`{"gradients":` + grads + `,"method":"median"}`, 200, `{"aggregated_gradient":[3.0,20.0],"num_input_gradients":5}`},
		{`{"gradients":` + grads + `,"method":"trimmed-mean"}`, 200, `{"aggregated_gradient":[3.0,20.0],"num_input_gradients":5}`},
		{`{"gradients":` + grads + `,"method":"krum"}`, 200, `{"aggregated_gradient":[2.0,20.0],"num_input_gradients":5}`},
		{`{"gradients":` + grads + `,"method":"multi-krum"}`, 200, `{"aggregated_gradient":[2.5,25.0],"num_input_gradients":5}`},
		{`{"gradients":` + grads + `,"method":"bulyan"}`, 400,
			`{"detail":"num_byzantine=1 is too many for bulyan with 5 updates: bulyan needs n \u003e= 4·num_byzantine + 3 = 7 (lower the Byzantine fraction or add updates)"}`},
		// f = floor(0.1·5) = 0: Bulyan keeps all five and averages them.
		{`{"gradients":` + grads + `,"method":"bulyan","byzantine_fraction":0.1}`, 200, `{"aggregated_gradient":[22.0,0.0],"num_input_gradients":5}`},
		{`{"gradients":` + grads + `,"method":"mean"}`, 422, `"type":"literal_error","loc":["body","method"]`},
		{`{"gradients":` + grads + `,"method":3}`, 422, `"type":"string_type","loc":["body","method"]`},
	} {
		rec := call(h, "POST", "/federated/aggregate", c.body)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s:\n got %d %s\nwant %d %s", c.body, rec.Code, rec.Body.String(), c.status, c.want)
		}
	}
}

func FuzzAggregateMethod(f *testing.F) {
	fuzzEndpoint(f, "/federated/aggregate",
		`{"gradients":[[100,-100],[1,10],[2,20],[3,30],[4,40],[5,50],[6,60]],"method":"bulyan","byzantine_fraction":0.15}`,
		`{"gradients":[[1],[2],[3]],"method":"trimmed-mean","byzantine_fraction":0.49}`,
		`{"gradients":[[1,2]],"method":"multi-krum","byzantine_fraction":0}`,
		`{"gradients":[[1,2],[3,4]],"method":"Krum"}`)
}
