package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"

	"mfn/integration"
)

// ReferenceVersion is the version /health reports: the reference's, for wire compatibility.
const ReferenceVersion = "4.1.0"

var healthBody = []byte(`{"status":"healthy","version":"` + ReferenceVersion + `"}`)

// healthLength is the Content-Length of healthBody.
var healthLength = strconv.Itoa(len(healthBody))

// handleHealth is the liveness probe: always 200 with the reference's body.
func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		setJSONHeaders(w.Header(), healthLength)
		_, _ = w.Write(healthBody)
	})
}

// Readiness gathers what /ready reports: configuration loaded (the server exists), API keys
// loaded, crypto keys loaded (unless crypto is off), the worker pool accepting work, and not
// draining for shutdown.
type Readiness struct {
	keys     *APIKeys
	ring     *Keyring // nil when crypto is disabled
	pool     *Pool
	hub      *integration.Hub // nil without integrations
	draining atomic.Bool
}

// Drain makes /ready answer 503 from now on (shutdown has begun).
func (rd *Readiness) Drain() { rd.draining.Store(true) }

func (rd *Readiness) check() (bool, *object) {
	ok := true
	checks := newObject()
	checks.str("config", "ok")
	if n := rd.keys.Count(); n == 0 && rd.keys.Required() {
		ok = false
		checks.str("api_keys", "no keys loaded")
	} else {
		checks.str("api_keys", fmt.Sprintf("ok (%d %s)", n, plural(n, "key")))
	}
	switch {
	case rd.ring == nil:
		checks.str("crypto_keys", "disabled")
	case rd.ring.Loaded():
		checks.str("crypto_keys", "ok")
	default:
		ok = false
		checks.str("crypto_keys", "not loaded")
	}
	if rd.pool.Accepting() {
		checks.str("worker_pool", fmt.Sprintf("ok (%d workers, %d/%d queued)", rd.pool.Workers(), rd.pool.Queued(), rd.pool.Capacity()))
	} else {
		ok = false
		checks.str("worker_pool", "closed")
	}
	if rd.hub != nil {
		up, why := integrationsReady(rd.hub)
		ok = ok && up
		checks.str("integrations", why)
	}
	if rd.draining.Load() {
		ok = false
		checks.str("shutdown", "draining")
	}
	return ok, checks
}

// handleReady is the readiness probe: 200 when every check passes, else 503, both with the checks.
func handleReady(rd *Readiness) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, checks := rd.check()
		if ok {
			newObject().str("status", "ready").object("checks", checks).write(w, r)
			return
		}
		w.Header().Set("Retry-After", "5")
		newObject().str("status", "not_ready").object("checks", checks).writeStatus(w, r, http.StatusServiceUnavailable)
	})
}

// valueIssue is the 422 item of a value the core's validation refuses: pydantic's value_error
// shape with the core's message, which names the parameter, the value and the allowed range.
func valueIssue(param string, input any, err error) Issue {
	raw, _ := json.Marshal(input)
	return Issue{Type: "value_error", Loc: []any{"body", param}, Msg: "Value error, " + err.Error(),
		Input: raw, Ctx: map[string]any{"error": err.Error()}}
}

// handleNernst is POST /nernst: the Nernst potential in mV (nernstOf). The inputs' ranges are
// the core's (nernst.ValidateInputs).
func handleNernst() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := readJSONBody(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		in, ok := parseNernstFast(b)
		if !ok {
			f, err := parseForm(b)
			if err == nil {
				in, err = nernstFromForm(f)
			}
			if err != nil {
				writeError(w, r, err)
				return
			}
		}
		mv, err := nernstPotential(in)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeNernst(w, mv)
	})
}

// nonFiniteNernst is the 422 of concentrations whose ratio overflows or underflows float64
// (1e308 / 1e-9): the reference answers 500 (docs/adr/0022).
func nonFiniteNernst(cOut, cIn, mv float64) error {
	err := fmt.Errorf("concentration_out_molar / concentration_in_molar = %s / %s is outside the float64 range, so the potential is %v; "+
		"the ratio must lie within [2.2e-308, 1.8e308]", num(cOut), num(cIn), mv)
	return invalid(Issue{Type: "value_error", Loc: []any{"body", "concentration_out_molar"}, Msg: "Value error, " + err.Error(),
		Input: json.RawMessage(num(cOut)), Ctx: map[string]any{"error": err.Error(), "concentration_in_molar": cIn}})
}
