package cli

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEIntegrationsExample runs the README's own `serve --check-config` line as written
// (its VAR=value prefixes become the environment), from the repository root.
func TestREADMEIntegrationsExample(t *testing.T) {
	root, _ := filepath.Abs("../..")
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var line string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if strings.Contains(sc.Text(), "mfn serve --check-config --integrations") {
			line = sc.Text()
			break
		}
	}
	if line == "" {
		t.Fatal("README.md has no `mfn serve --check-config --integrations` example")
	}
	line, _, _ = strings.Cut(line, "#")
	env := map[string]string{}
	var args []string
	for _, w := range strings.Fields(line) {
		if k, v, ok := strings.Cut(w, "="); ok && args == nil {
			env[k] = v
			t.Setenv(k, v) // the integrations file reads its secrets from the process's environment
			continue
		}
		args = append(args, w)
	}
	if len(args) == 0 || args[0] != "mfn" {
		t.Fatalf("cannot read the example %q", line)
	}
	for i, a := range args {
		if strings.HasPrefix(a, "deploy/") {
			args[i] = filepath.Join(root, a)
		}
	}
	code, out, errb := runWithEnv(context.Background(), env, args[1:]...)
	if code != 0 || !strings.Contains(out.String(), "configuration OK") {
		t.Errorf("README's %q: exit %d\n%s%s", line, code, out.String(), errb.String())
	}
}
