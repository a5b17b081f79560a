package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"mfn/nernst"
)

func init() {
	Register(Checker{
		Kind: "nernst",
		Detect: func(_ string, top map[string]json.RawMessage) bool {
			return hasKeys(top, "compute_nernst_potential", "membrane_engine_compute_nernst_potential")
		},
		Check: checkNernst,
	})
}

type nernstGolden struct {
	Simple []struct {
		Z    int   `json:"z_valence"`
		COut Float `json:"concentration_out_molar"`
		CIn  Float `json:"concentration_in_molar"`
		T    Float `json:"temperature_k"`
		V    Float `json:"potential_V"`
		MV   Float `json:"potential_mV_times_1000"`
	} `json:"compute_nernst_potential"`
	Engine []struct {
		Args  []json.RawMessage `json:"args"`
		V     *Float            `json:"potential_V"`
		Error string            `json:"error"`
	} `json:"membrane_engine_compute_nernst_potential"`
}

func checkNernst(top map[string]json.RawMessage, r *Recorder) error {
	var g nernstGolden
	for key, dst := range map[string]any{
		"compute_nernst_potential":                 &g.Simple,
		"membrane_engine_compute_nernst_potential": &g.Engine,
	} {
		if err := json.Unmarshal(top[key], dst); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	if raw, ok := top["constants"]; ok {
		var c map[string]Float
		if err := json.Unmarshal(raw, &c); err != nil {
			return fmt.Errorf("constants: %w", err)
		}
		r.Case("constants", nernstConstants(c))
	}
	if raw, ok := top["sympy_symbolic_K_mV"]; ok {
		var want Float
		if err := json.Unmarshal(raw, &want); err != nil {
			return fmt.Errorf("sympy_symbolic_K_mV: %w", err)
		}
		r.Case("sympy_symbolic_K_mV", exact("symbolic mV", nernst.SymbolicExample()*1e3, float64(want)))
	}
	for i, c := range g.Simple {
		name := fmt.Sprintf("compute_nernst_potential[%d] z=%d out=%v in=%v T=%v", i, c.Z, c.COut, c.CIn, c.T)
		v, err := nernst.Potential(c.Z, float64(c.COut), float64(c.CIn), float64(c.T))
		if err == nil {
			err = exact("potential_V", v, float64(c.V))
		}
		if err == nil {
			err = exact("potential_mV_times_1000", v*1000, float64(c.MV))
		}
		r.Case(name, err)
	}
	for i, c := range g.Engine {
		name := fmt.Sprintf("membrane_engine[%d] args=%s", i, nernstArgs(c.Args))
		r.Case(name, nernstEngineCase(c.Args, c.V, c.Error))
	}
	return nil
}

func nernstConstants(c map[string]Float) error {
	want := map[string]float64{"R": nernst.R, "F": nernst.F, "T_body": nernst.BodyTemperatureK, "NERNST_RTFZ_MV": nernst.RTFZmV}
	for k, v := range want {
		got, ok := c[k]
		if !ok {
			continue
		}
		if err := exact(k, v, float64(got)); err != nil {
			return err
		}
	}
	return nil
}

func nernstArgs(args []json.RawMessage) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// nernstEngineCase replays MembraneEngine.compute_nernst_potential(z, c_out, c_in, T) on a
// default engine; an expected error is compared by class name and text.
func nernstEngineCase(args []json.RawMessage, want *Float, wantErr string) error {
	if len(args) < 3 || len(args) > 4 {
		return fmt.Errorf("args: want 3 or 4 values, got %d", len(args))
	}
	var z float64
	if err := json.Unmarshal(args[0], &z); err != nil || z != float64(int(z)) {
		return fmt.Errorf("args[0]: z_valence %s is not an integer", args[0])
	}
	var vals [3]Float
	for i := 1; i < len(args); i++ {
		if err := vals[i-1].UnmarshalJSON(args[i]); err != nil {
			return fmt.Errorf("args[%d]: %w", i, err)
		}
	}
	e, err := nernst.NewMembraneEngine(nernst.DefaultMembraneConfig())
	if err != nil {
		return err
	}
	var v float64
	if len(args) == 4 {
		v, err = e.ComputeNernstPotentialAt(int(z), float64(vals[0]), float64(vals[1]), float64(vals[2]))
	} else {
		v, err = e.ComputeNernstPotential(int(z), float64(vals[0]), float64(vals[1]))
	}
	if wantErr != "" {
		if err == nil {
			return fmt.Errorf("got %v, want error %q", v, wantErr)
		}
		if got := nernstErrorText(err); got != wantErr {
			return fmt.Errorf("error text:\n got  %q\n want %q", got, wantErr)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("unexpected error: %w", err)
	}
	if want == nil {
		return errors.New("case has neither potential_V nor error")
	}
	return exact("potential_V", v, float64(*want))
}

// nernstErrorText renders an engine error as the reference's "ClassName: message".
func nernstErrorText(err error) string {
	var re *nernst.RangeError
	var ie *nernst.InstabilityError
	switch {
	case errors.As(err, &re):
		return "ValueOutOfRangeError: " + err.Error()
	case errors.As(err, &ie):
		return "NumericalInstabilityError: " + err.Error()
	}
	return err.Error()
}
