package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"

	"mfn/nn"
)

func init() {
	register(command{
		name:    "validate",
		summary: "the reference's validation run: train the network on 16 simulations, print 12 metrics",
		run:     runValidate,
	})
}

// validateFlags maps ValidationConfig's parameter names to this command's flags.
var validateFlags = map[string]string{
	"seed": "seed", "epochs": "epochs", "batch_size": "batch-size", "grid_size": "grid-size", "steps": "steps",
}

// turingSwitch is one of the two store-true flags --turing-enabled and --no-turing: both write
// the same setting, so when both are given the last one wins, as with the reference's argparse.
type turingSwitch struct {
	dst *bool
	on  bool // the value the flag stores
}

func (s turingSwitch) String() string {
	if s.dst == nil {
		return "false"
	}
	return strconv.FormatBool(*s.dst == s.on)
}

func (s turingSwitch) Set(v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return err
	}
	if b {
		*s.dst = s.on
	}
	return nil
}

func (s turingSwitch) IsBoolFlag() bool { return true }

func runValidate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "validate", "validate [--seed N] [--epochs N] [--batch-size N] [--grid-size N] [--steps N]\n"+
		"                    [--turing-enabled | --no-turing] [--quantum-jitter] [--format text|json]\n\n"+
		"run_validation of the reference (mycelium_fractal_net_v4_1.py --mode validate): builds 16 field\n"+
		"simulations and IFS runs from default_rng(seed), trains the network with Adam for --epochs epochs\n"+
		"(the network's initialisation, the shuffle and Adam reproduce torch 1.13's, so every line, the\n"+
		"loss_* lines included, matches the reference's report), then prints the metrics.")
	d := nn.DefaultValidationConfig()
	cfg := d
	fs.Int64Var(&cfg.Seed, "seed", d.Seed, "random seed (>= 0; numpy default_rng semantics)")
	fs.IntVar(&cfg.Epochs, "epochs", d.Epochs, fmt.Sprintf("training epochs, in [0, %d]", nn.MaxEpochs))
	fs.IntVar(&cfg.BatchSize, "batch-size", d.BatchSize, "mini-batch size (>= 1; the last partial batch is kept)")
	fs.IntVar(&cfg.GridSize, "grid-size", d.GridSize, "side N of each N×N simulation grid, in [1, 4096]")
	fs.IntVar(&cfg.Steps, "steps", d.Steps, "simulation steps, in [0, 1000000]")
	fs.Var(turingSwitch{&cfg.TuringEnabled, true}, "turing-enabled", "enable the Turing coupling (the default)")
	fs.Var(turingSwitch{&cfg.TuringEnabled, false}, "no-turing", "disable the Turing coupling (with --turing-enabled, the last one wins)")
	fs.BoolVar(&cfg.QuantumJitter, "quantum-jitter", d.QuantumJitter, "add Gaussian jitter noise every simulation step")
	mode := fs.String("mode", "validate", "run mode; validate is the only one (accepted for compatibility)")
	format := fs.String("format", "text", "output format: text (the reference's report) or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if err := oneOf("mode", *mode, "validate"); err != nil {
		return err
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return validateUsageError(err)
	}
	r, err := nn.RunValidationContext(ctx, cfg)
	if err != nil {
		return validateUsageError(err)
	}
	m := r.Metrics
	if *format == "json" {
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
		return err
	}
	_, err = fmt.Fprint(env.Stdout, m.Text())
	return err
}

// validateUsageError names the flag of a configuration error; other errors pass through.
func validateUsageError(err error) error {
	var ce *nn.ConfigError
	if errors.As(err, &ce) {
		return fmt.Errorf("%w: --%s=%d: %v", errUsage, validateFlags[ce.Parameter], ce.Value, err)
	}
	return err
}

var _ flag.Value = turingSwitch{}
