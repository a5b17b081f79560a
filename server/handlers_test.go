package server

import (
	"net/http"
	"strings"
	"testing"
)

// The reference's answers, from testdata/golden/api.json (byte for byte: Python's float repr).
func TestEndpointsMatchReference(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/health", "", 200, `{"status":"healthy","version":"4.1.0"}`},
		{"POST", "/nernst", `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}`,
			200, `{"potential_mV":-89.01066911987907}`},
		{"POST", "/nernst", `{"z_valence":2,"concentration_out_molar":0.002,"concentration_in_molar":1e-07}`,
			200, `{"potential_mV":101.51859103677918}`},
		{"POST", "/simulate", `{}`, 200,
			`{"growth_events":14,"pot_min_mV":-70.70938698488536,"pot_max_mV":-67.30757873491174,"pot_mean_mV":-70.03076248064738,"pot_std_mV":0.3302476077214526,"fractal_dimension":0.0}`},
		{"POST", "/simulate", `{"seed":3,"grid_size":32,"steps":40,"alpha":0.1,"spike_probability":0.5,"turing_enabled":false}`, 200,
			`{"growth_events":14,"pot_min_mV":-70.79050330017782,"pot_max_mV":-64.96394704701828,"pot_mean_mV":-69.52616896103348,"pot_std_mV":0.5438846406536019,"fractal_dimension":0.0}`},
		{"POST", "/federated/aggregate", `{"gradients":[[1.0,2.0],[1.1,2.1],[0.9,1.9],[100.0,-100.0]],"num_clusters":1,"byzantine_fraction":0.25}`,
			200, `{"aggregated_gradient":[1.0,2.0],"num_input_gradients":4}`},
		{"POST", "/federated/aggregate", `{"gradients":[[0.3455841839313507,0.8216181397438049,0.3304370641708374,-1.3031572103500366,0.9053558707237244],[0.4463745653629303,-0.5369532108306885,0.581118106842041,0.3645724058151245,0.2941325008869171],[0.028422242030501366,0.5467129945755005,-0.7364540696144104,-0.16290995478630066,-0.4821193218231201],[0.5988461971282959,0.03972210735082626,-0.2924567461013794,-0.7819084525108337,-0.2571922540664673],[0.008142180740833282,-0.27560290694236755,1.2940638065338135,1.0067243576049805,-2.711162567138672],[-1.8890132904052734,-0.17477209866046906,-0.422190397977829,0.21364299952983856,0.21732193231582642],[2.1178388595581055,-1.11202073097229,-0.37760502099990845,2.042771577835083,0.6467030048370361],[0.6630633473396301,-0.5140063762664795,-1.6480752229690552,0.1674647480249405,0.10901408642530441],[-1.2273520231246948,-0.6832266449928284,-0.07204367965459824,-0.9447516202926636,-0.09826996922492981],[0.09548302739858627,0.03558623790740967,-0.5062916874885559,0.5937480926513672,0.8911669254302979]]}`,
			200, `{"aggregated_gradient":[0.42771902680397034,-0.02462615631520748,-0.2924567461013794,-0.7819084525108337,-0.20951557159423828],"num_input_gradients":10}`},
		{"POST", "/federated/aggregate", `{"gradients":[]}`, 400, `{"detail":"No gradients provided"}`},
		{"POST", "/federated/aggregate", `{"gradients":[[1.0,2.0],[3.0,4.0]],"byzantine_fraction":0.5}`, 400,
			`{"detail":"byzantine_fraction=0.5 must be in [0, 0.5)"}`},
		{"GET", "/nonexistent", "", 404, `{"detail":"Not Found"}`},
		{"GET", "/nernst", "", 405, `{"detail":"Method Not Allowed"}`},
	} {
		rec := call(h, c.method, c.path, c.body)
		if rec.Code != c.status || rec.Body.String() != c.want {
			t.Errorf("%s %s %s:\n got %d %s\nwant %d %s", c.method, c.path, c.body, rec.Code, rec.Body.String(), c.status, c.want)
		}
		if rec.Header().Get("X-Request-ID") == "" {
			t.Errorf("%s %s: no X-Request-ID", c.method, c.path)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, ct)
		}
	}
}

func TestValidateMatchesReference(t *testing.T) {
	app, _ := testApp(t, nil)
	rec := call(app.Handler(), "POST", "/validate", `{"seed":42,"epochs":1,"grid_size":32,"steps":32}`)
	want := `{"loss_start":2.4389562606811523,"loss_final":1.798170566558838,"loss_drop":0.6407856941223145,"pot_min_mV":-71.28422945168619,"pot_max_mV":-63.65989230544555,"example_fractal_dim":0.0,"lyapunov_exponent":-2.110874803624081,"growth_events":8.0,"nernst_symbolic_mV":-89.01066911987905,"nernst_numeric_mV":-89.01066911987907}`
	if rec.Code != 200 || rec.Body.String() != want {
		t.Errorf("got %d %s\nwant %s", rec.Code, rec.Body.String(), want)
	}
	if is := issues(t, call(app.Handler(), "POST", "/validate", `{"epochs":0}`)); is[0].Loc[1] != "epochs" {
		t.Errorf("epochs=0: %+v", is)
	}
}

func TestSimulateRefusesUnstableAlpha(t *testing.T) {
	app, _ := testApp(t, nil)
	for _, alpha := range []string{"0.25", "0.9", "1"} {
		is := issues(t, call(app.Handler(), "POST", "/simulate", `{"alpha":`+alpha+`}`))
		if len(is) != 1 || is[0].Loc[1] != "alpha" || !strings.Contains(is[0].Msg, "CFL stability limit of 0.25") {
			t.Errorf("alpha=%s: %+v", alpha, is)
		}
	}
	for _, alpha := range []string{"0", "0.01", "0.2499"} {
		if rec := call(app.Handler(), "POST", "/simulate", `{"grid_size":8,"steps":2,"alpha":`+alpha+`}`); rec.Code != 200 {
			t.Errorf("alpha=%s: %d %s", alpha, rec.Code, rec.Body.String())
		}
	}
	// Schema bounds are reported together, as pydantic does.
	is := issues(t, call(app.Handler(), "POST", "/simulate", `{"seed":-1,"grid_size":4,"steps":0,"alpha":2}`))
	var locs []string
	for _, i := range is {
		locs = append(locs, i.Loc[1].(string)+":"+i.Type)
	}
	if got := strings.Join(locs, " "); got != "seed:greater_than_equal grid_size:greater_than_equal steps:greater_than_equal alpha:less_than_equal" {
		t.Errorf("issues %s", got)
	}
}

func TestNernstUsesCoreRanges(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	// The core accepts anions (z < 0), which the reference's schema refused.
	if rec := call(h, "POST", "/nernst", `{"z_valence":-1,"concentration_out_molar":0.11,"concentration_in_molar":0.01}`); rec.Code != 200 {
		t.Errorf("z=-1: %d %s", rec.Code, rec.Body.String())
	}
	for body, param := range map[string]string{
		`{"z_valence":4,"concentration_out_molar":0.005,"concentration_in_molar":0.14}`:                    "z_valence",
		`{"z_valence":0,"concentration_out_molar":0.005,"concentration_in_molar":0.14}`:                    "z_valence",
		`{"concentration_out_molar":0,"concentration_in_molar":0.14}`:                                      "concentration_out_molar",
		`{"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":400}`:              "temperature_k",
		`{"concentration_out_molar":0.005}`:                                                                "concentration_in_molar",
		`{"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":"NaN"}`:            "temperature_k",
		`{"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":1e999}`:            "temperature_k",
		`{"concentration_out_molar":"abc","concentration_in_molar":0.14}`:                                  "concentration_out_molar",
		`{"concentration_out_molar":0.005,"concentration_in_molar":0.14,"z_valence":1.5}`:                  "z_valence",
		`{"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature":310}`:                "temperature",
		`{"concentration_out_molar":0.005,"concentration_in_molar":[0.14]}`:                                "concentration_in_molar",
		`{"concentration_out_molar":0.005,"concentration_in_molar":0.14,"z_valence":99999999999999999999}`: "z_valence",
	} {
		is := issues(t, call(h, "POST", "/nernst", body))
		if is[0].Loc[1] != param {
			t.Errorf("%s: issue at %v, want %s: %+v", body, is[0].Loc, param, is)
		}
		if is[0].Msg == "" || is[0].Type == "" {
			t.Errorf("%s: empty msg or type: %+v", body, is[0])
		}
	}
}

func TestLaxCoercionLikePydantic(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	ref := call(h, "POST", "/simulate", `{"seed":7,"grid_size":16,"steps":8,"turing_enabled":true}`).Body.String()
	for _, body := range []string{
		`{"seed":"7","grid_size":16.0,"steps":"8","turing_enabled":"yes"}`,
		`{"seed":7.0,"grid_size":" 16 ","steps":8,"turing_enabled":1}`,
		`{"seed":7,"grid_size":1.6e1,"steps":8,"turing_enabled":"on"}`,
		`{"seed":7,"grid_size":16,"steps":8,"turing_enabled":"TRUE","seed":7}`,
	} {
		if got := call(h, "POST", "/simulate", body); got.Code != 200 || got.Body.String() != ref {
			t.Errorf("%s: %d %s, want %s", body, got.Code, got.Body.String(), ref)
		}
	}
}

func TestFallbackRoutes(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	rec := call(h, "POST", "/nernst/", `{}`)
	if rec.Code != http.StatusTemporaryRedirect || rec.Header().Get("Location") != "/nernst" {
		t.Errorf("trailing slash: %d %v", rec.Code, rec.Header())
	}
	rec = call(h, "DELETE", "/health", "")
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE /health: %d %v", rec.Code, rec.Header())
	}
	if rec := call(h, "HEAD", "/health", ""); rec.Code != 200 {
		t.Errorf("HEAD /health: %d", rec.Code)
	}
}

func TestReadyReportsChecks(t *testing.T) {
	app, _ := testApp(t, nil)
	rec := call(app.Handler(), "GET", "/ready", "")
	body := decode(t, rec)
	if rec.Code != 200 || body["status"] != "ready" {
		t.Fatalf("ready: %d %s", rec.Code, rec.Body.String())
	}
	app.readiness.Drain()
	rec = call(app.Handler(), "GET", "/ready", "")
	body = decode(t, rec)
	checks, _ := body["checks"].(map[string]any)
	if rec.Code != 503 || body["status"] != "not_ready" || checks["shutdown"] != "draining" || rec.Header().Get("Retry-After") == "" {
		t.Errorf("draining: %d %s", rec.Code, rec.Body.String())
	}
	if rec := call(app.Handler(), "GET", "/health", ""); rec.Code != 200 {
		t.Errorf("health while draining: %d", rec.Code)
	}
}
