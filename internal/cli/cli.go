// Package cli implements the mfn command line: one file per subcommand, each parsing its own
// flags and delegating the work to the numeric packages.
//
// Conventions every subcommand follows (a new subcommand gets them by using these helpers):
//
//   - Flags: build the flag set with newFlagSet and parse it with parseFlags, never fs.Parse.
//     parseFlags accepts flags before and after positional arguments ("mfn bench NAME --format
//     json"); "--" ends the flags, so later arguments are positional even when they start with
//     "-". After parseFlags, fs.Args() holds the positional arguments in order.
//   - Exit status (printed by mfn -h): 0 success; 2 a usage error, i.e. the command line itself
//     is wrong (unknown flag, a flag value out of range, a missing or extra argument,
//     contradictory flags); 1 any other failure (a missing or malformed file, network, I/O, a
//     failed check). Return usagef(...) (or an error wrapping errUsage) for a usage error;
//     every other error exits 1. ExitError is for a status with no message or a check's result.
//   - Errors name the flag, the value and what is allowed: usagef("--steps=%d: must be ≥ 1", n).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Env is what a subcommand may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is one subcommand of mfn.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; each subcommand's file calls it from init.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("cli: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// ExitError carries a specific exit status out of a subcommand.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// errUsage marks an error caused by the command line itself (exit status 2); see the package
// comment. Wrap it (usagef does) so errors.Is finds it.
var errUsage = errors.New("usage error")

// usagef is a usage error (exit status 2) with a message naming the flag, value and what is allowed.
func usagef(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// Exit statuses of mfn (see the package comment).
const (
	exitFailure = 1
	exitUsage   = 2
)

// Run executes mfn with the given arguments and returns the process exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	if args[0] == "help" && len(args) == 2 {
		if _, ok := commands[args[1]]; ok { // "mfn help simulate" is "mfn simulate -h"
			args = []string{args[1], "-h"}
		}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		printVersion(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mfn: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	err := c.run(ctx, env, args[1:])
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	code := exitFailure
	var ee *ExitError
	switch {
	case errors.As(err, &ee):
		if ee.Err != nil {
			fmt.Fprintf(stderr, "mfn %s: %v\n", c.name, ee.Err)
		}
		code = ee.Code
	default:
		msg := err.Error()
		if errors.Is(err, errUsage) {
			code = exitUsage
			// The exit status and the hint below say it is a usage error; the message says
			// what is wrong, as the README and the tutorials show it.
			msg = strings.Replace(msg, errUsage.Error()+": ", "", 1)
		}
		fmt.Fprintf(stderr, "mfn %s: %s\n", c.name, msg)
	}
	if code == exitUsage {
		fmt.Fprintf(stderr, "Run 'mfn %s -h' for its flags.\n", c.name)
	}
	return code
}

// Version is the version of this build of mfn; it tracks the reference it re-implements.
const Version = "4.1.0-go"

func usage(w io.Writer) {
	fmt.Fprintln(w, "mfn — MyceliumFractalNet: fractal morphogenetic field simulation and analysis")
	fmt.Fprintln(w, "\nUsage: mfn <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'mfn <command> -h' (or 'mfn help <command>') for the flags of a command. Flags may")
	fmt.Fprintln(w, "come before or after a command's arguments; \"--\" ends the flags.")
	fmt.Fprintln(w, "\nExit status: 0 success; 1 a failure while running (a missing or malformed file, network,")
	fmt.Fprintln(w, "I/O, a failed check); 2 a usage error (unknown command or flag, a value out of range, a")
	fmt.Fprintln(w, "missing or extra argument).")
}

// newFlagSet returns a flag set that reports errors instead of exiting. Parse it with parseFlags.
func newFlagSet(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: mfn %s\n", synopsis)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(env.Stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args with flags allowed before and after positional arguments ("--" ends
// the flags) and turns flag errors into usage errors (exit status 2; the flag package has
// already printed the error and the usage). Afterwards fs.Args() holds the positional
// arguments in their order.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return &ExitError{Code: exitUsage}
		}
		left := fs.Args()
		used := len(rest) - len(left)
		if used > 0 && rest[used-1] == "--" && (used < 2 || !takesValue(fs, rest[used-2])) {
			positional = append(positional, left...) // "--" ended the flags
			break
		}
		if len(left) == 0 {
			break
		}
		positional = append(positional, left[0])
		rest = left[1:]
	}
	// Parse again with only the positionals after "--": the flags keep their values and
	// fs.Args() returns the positionals.
	return fs.Parse(append([]string{"--"}, positional...))
}

// takesValue reports whether arg is a flag ("-name" or "--name", no "=") whose value is the
// next argument, i.e. a defined flag that is not boolean.
func takesValue(fs *flag.FlagSet, arg string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	if name == arg || name == "" || strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

// oneOf validates a string flag against its allowed values.
func oneOf(flagName, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return fmt.Errorf("%w: --%s=%q: must be one of %s", errUsage, flagName, value, strings.Join(allowed, ", "))
}
