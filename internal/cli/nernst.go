package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"mfn/nernst"
)

func init() {
	register(command{
		name:    "nernst",
		summary: "Nernst equilibrium potential of an ion (--ion K|Na|Cl|Ca or --z/--c-out/--c-in)",
		run:     runNernst,
	})
}

// nernstFlags maps the library's parameter names to this command's flags.
var nernstFlags = map[string]string{
	"z_valence":               "z",
	"concentration_out_molar": "c-out",
	"concentration_in_molar":  "c-in",
	"temperature_k":           "temperature",
}

// nernstOutput is the JSON form of the result (the reference API's field names).
type nernstOutput struct {
	Ion          string  `json:"ion,omitempty"`
	Z            int     `json:"z_valence"`
	COut         float64 `json:"concentration_out_molar"`
	CIn          float64 `json:"concentration_in_molar"`
	TemperatureK float64 `json:"temperature_k"`
	PotentialMV  float64 `json:"potential_mV"`
	PotentialV   float64 `json:"potential_V"`
}

func runNernst(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "nernst", "nernst (--ion K|Na|Cl|Ca | --z Z --c-out M --c-in M) [--temperature K] [--format text|json]\n\n"+
		"E = RT/(zF)·ln(c_out/c_in); concentrations below 1e-6 M are raised to 1e-6 M as in the reference.\n"+
		"--ion takes z and the typical concentrations from the ion table; explicit flags override them.")
	z := fs.Int("z", 0, "ion valence: a non-zero integer in [-3, 3]")
	cOut := fs.Float64("c-out", 0, "outside concentration in mol/L (> 0)")
	cIn := fs.Float64("c-in", 0, "inside concentration in mol/L (> 0)")
	temp := fs.Float64("temperature", nernst.BodyTemperatureK, "temperature in kelvin, in [273, 373]")
	ionName := fs.String("ion", "", "take z and concentrations from the ion table: "+strings.Join(nernst.IonSymbols(), ", "))
	format := fs.String("format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	out := nernstOutput{Z: *z, COut: *cOut, CIn: *cIn, TemperatureK: *temp}
	if set["ion"] {
		ion, ok := nernst.LookupIon(*ionName)
		if !ok {
			return fmt.Errorf("%w: --ion=%q: must be one of %s", errUsage, *ionName, strings.Join(nernst.IonSymbols(), ", "))
		}
		out.Ion = ion.Name
		if !set["z"] {
			out.Z = ion.Z
		}
		if !set["c-out"] {
			out.COut = ion.COut
		}
		if !set["c-in"] {
			out.CIn = ion.CIn
		}
	} else {
		var missing []string
		for _, f := range []string{"z", "c-out", "c-in"} {
			if !set[f] {
				missing = append(missing, "--"+f)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%w: missing %s (or use --ion %s)", errUsage, strings.Join(missing, ", "), strings.Join(nernst.IonSymbols(), "|"))
		}
	}
	if err := nernst.ValidateInputs(out.Z, out.COut, out.CIn, out.TemperatureK); err != nil {
		return nernstUsageError(err)
	}
	v, err := nernst.Potential(out.Z, out.COut, out.CIn, out.TemperatureK)
	if err != nil {
		return nernstUsageError(err)
	}
	out.PotentialV = v
	out.PotentialMV = v * 1000
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		return enc.Encode(out)
	}
	name := out.Ion
	if name == "" {
		name = "ion"
	}
	fmt.Fprintf(env.Stdout, "Nernst potential of %s (z=%+d) at %s K\n", name, out.Z, nernstNum(out.TemperatureK))
	fmt.Fprintf(env.Stdout, "  c_out = %s M, c_in = %s M\n", nernstNum(out.COut), nernstNum(out.CIn))
	if out.COut < nernst.IonClampMin || out.CIn < nernst.IonClampMin {
		fmt.Fprintf(env.Stdout, "  (concentrations below %s M were raised to %s M, as in the reference)\n", nernstNum(nernst.IonClampMin), nernstNum(nernst.IonClampMin))
	}
	fmt.Fprintf(env.Stdout, "  E = %.6f mV (%s V)\n", out.PotentialMV, nernstNum(out.PotentialV))
	return nil
}

// nernstUsageError turns a library range error into a usage error naming the flag.
func nernstUsageError(err error) error {
	var re *nernst.RangeError
	if errors.As(err, &re) {
		if f, ok := nernstFlags[re.Parameter]; ok {
			return fmt.Errorf("%w: --%s=%v: %v", errUsage, f, re.Value, err)
		}
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}

// nernstNum prints a float in its shortest round-trip form.
func nernstNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
