package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// run calls Run like main does and returns the exit status and outputs.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

func TestUsageAndUnknownCommand(t *testing.T) {
	if code, out, _ := run(t, "", "help"); code != 0 || !strings.Contains(out, "simulate") {
		t.Errorf("help: code %d, out %q", code, out)
	}
	if code, _, errOut := run(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: code %d, %q", code, errOut)
	}
	if code, _, _ := run(t, ""); code != 2 {
		t.Errorf("no command: code %d", code)
	}
}

func TestHelpDocumentsConventions(t *testing.T) {
	_, out, _ := run(t, "", "-h")
	for _, w := range []string{"Exit status: 0 success; 1 a failure", "2 a usage error", `"--" ends the flags`} {
		if !strings.Contains(out, w) {
			t.Errorf("mfn -h does not say %q:\n%s", w, out)
		}
	}
	if code, _, errOut := run(t, "", "help", "nernst"); code != 0 || !strings.Contains(errOut, "Usage: mfn nernst") {
		t.Errorf("help nernst: code %d, %q", code, errOut)
	}
}

// TestFlagsAnywhere: flags may follow positional arguments, and "--" ends the flags.
func TestFlagsAnywhere(t *testing.T) {
	newFS := func() (*flag.FlagSet, *string, *bool) {
		fs := newFlagSet(&Env{Stderr: io.Discard}, "t", "t")
		return fs, fs.String("format", "text", ""), fs.Bool("v", false, "")
	}
	for _, c := range []struct {
		args       []string
		format     string
		v          bool
		positional []string
	}{
		{[]string{"a", "--format", "json", "b"}, "json", false, []string{"a", "b"}},
		{[]string{"--format=json", "a", "-v"}, "json", true, []string{"a"}},
		{[]string{"a", "-v", "--", "--format", "x", "-v"}, "text", true, []string{"a", "--format", "x", "-v"}},
		{[]string{"--format", "--", "a"}, "--", false, []string{"a"}}, // "--" as a flag's value ends nothing
		{[]string{"--format", "--", "--", "-v"}, "--", false, []string{"-v"}},
		{[]string{"-", "-v"}, "text", true, []string{"-"}},
		{nil, "text", false, []string{}},
	} {
		fs, format, v := newFS()
		if err := parseFlags(fs, c.args); err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if *format != c.format || *v != c.v || !slices.Equal(fs.Args(), c.positional) {
			t.Errorf("%q: format %q v %v args %q; want %q %v %q", c.args, *format, *v, fs.Args(), c.format, c.v, c.positional)
		}
	}
	fs, _, _ := newFS()
	var ee *ExitError
	if err := parseFlags(fs, []string{"a", "--nope"}); !errors.As(err, &ee) || ee.Code != 2 {
		t.Errorf("an unknown flag after an argument: %v, want exit status 2", err)
	}
	fs, _, _ = newFS()
	if err := parseFlags(fs, []string{"a", "-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h after an argument: %v, want flag.ErrHelp", err)
	}
}

// TestExitStatusConvention: the same kind of mistake exits the same way in every subcommand
// (2: the command line is wrong; 1: running failed).
func TestExitStatusConvention(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, c := range []struct {
		code int
		args []string
	}{
		{2, []string{"simulate", "--nope"}},
		{2, []string{"features", "--nope"}},
		{2, []string{"simulate", "--steps", "-1"}},
		{2, []string{"features", "--steps", "-1"}},
		{2, []string{"simulate", "--grid-size", "5000"}},
		{2, []string{"features", "--grid-size", "5000"}},
		{2, []string{"nernst", "--ion", "Xe"}},
		{2, []string{"conformance"}},
		{2, []string{"inspect"}},
		{2, []string{"bench", "no-such-workload", "--format", "json"}},
		{1, []string{"features", "--in", missing + ".npy"}},
		{1, []string{"aggregate", "--in", missing + ".json"}},
		{1, []string{"inspect", missing + ".csv"}},
		{1, []string{"conformance", missing}},
		{1, []string{"render", "--in", missing + ".npy", "--out", missing + ".png"}},
		{1, []string{"worker", "--integrations", missing + ".yaml"}},
	} {
		code, _, errOut := run(t, "", c.args...)
		if code != c.code {
			t.Errorf("%q: exit %d, want %d (%s)", c.args, code, c.code, errOut)
		}
		if (code == 2) != strings.Contains(errOut, "-h' for its flags") {
			t.Errorf("%q: exit %d, the hint to -h belongs to usage errors only: %q", c.args, code, errOut)
		}
	}
}

// TestBenchFlagsAfterWorkload is the issue's own example: a flag after the workload's name.
func TestBenchFlagsAfterWorkload(t *testing.T) {
	code, out, errOut := run(t, "", "bench", "nernst", "--format", "json", "--min-time", "1ms")
	if code != 0 || !strings.Contains(out, `"nernst"`) {
		t.Errorf("code %d, out %q, err %q", code, out, errOut)
	}
}

// TestBenchListAligns: every summary of bench --list starts in the same column.
func TestBenchListAligns(t *testing.T) {
	_, out, _ := run(t, "", "bench", "--list")
	col := -1
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, _, _ := strings.Cut(line, " ")
		rest := strings.TrimLeft(line[len(name):], " ")
		c := len([]rune(line)) - len([]rune(rest))
		if col == -1 {
			col = c
		}
		if c != col || c < len(name)+2 {
			t.Errorf("summary of %s starts at column %d, want %d: %q", name, c, col, line)
		}
	}
}

// TestHelpTexts: -h texts that had drifted from the code.
func TestHelpTexts(t *testing.T) {
	for _, c := range []struct {
		cmd    string
		want   []string
		refuse []string
	}{
		{"conformance", []string{"Usage: mfn conformance DIR"}, []string{"Flags:"}},
		{"features", []string{"the history is always recorded"}, []string{"-history"}},
		{"render", []string{"-out"}, []string{"-history"}},
		{"simulate", []string{"-history"}, nil},
		{"validate", []string{"loss_* lines included, matches"}, []string{"differ from torch"}},
	} {
		_, _, errOut := run(t, "", c.cmd, "-h")
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s -h lacks %q:\n%s", c.cmd, w, errOut)
			}
		}
		for _, r := range c.refuse {
			if strings.Contains(errOut, r) {
				t.Errorf("%s -h has %q:\n%s", c.cmd, r, errOut)
			}
		}
	}
}
