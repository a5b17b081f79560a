package cli

import (
	"context"
	"fmt"
	"strings"

	"mfn/conformance"
)

func init() {
	register(command{
		name:    "conformance",
		summary: "replay the reference's golden files in DIR and compare (exit 1 on failure)",
		run:     runConformance,
	})
}

func runConformance(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "conformance", "conformance DIR\n\nKnown kinds: "+strings.Join(conformance.Kinds(), ", "))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("%w: expected one directory, got %d arguments", errUsage, fs.NArg())
	}
	dir := fs.Arg(0)
	s, err := conformance.RunDir(dir, env.Stdout)
	if err != nil {
		return err
	}
	for _, u := range s.Unknown {
		fmt.Fprintf(env.Stderr, "skipped %s: not a golden file of a known kind\n", u)
	}
	for _, f := range s.Files {
		fmt.Fprintf(env.Stderr, "%-28s %-20s %d passed, %d failed\n", f.File, f.Kind, f.Passed, f.Failed)
	}
	if len(s.Files) == 0 {
		fmt.Fprintln(env.Stdout, "0 passed, 0 failed")
		return fmt.Errorf("%s holds no golden file of a known kind (%s)", dir, strings.Join(conformance.Kinds(), ", "))
	}
	if s.Deviations > 0 {
		fmt.Fprintf(env.Stdout, "%d documented deviations (see the DEVIATION lines and docs/adr)\n", s.Deviations)
	}
	// The last line is the plain "N passed, M failed" that test runners and CI read.
	fmt.Fprintf(env.Stdout, "%d passed, %d failed\n", s.Passed, s.Failed)
	if s.Failed > 0 {
		return &ExitError{Code: 1}
	}
	return nil
}
