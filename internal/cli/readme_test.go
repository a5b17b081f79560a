package cli

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
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

// TestDocsCiteExistingFiles: the repository files and ADRs that the README, docs/ and the
// OpenAPI contract name exist in the repository (a doc must not point outside it).
func TestDocsCiteExistingFiles(t *testing.T) {
	root, _ := filepath.Abs("../..")
	docs := []string{"README.md", "api/openapi.yaml"}
	mds, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	adrs, _ := filepath.Glob(filepath.Join(root, "docs", "adr", "*.md"))
	for _, p := range append(mds, adrs...) {
		rel, _ := filepath.Rel(root, p)
		docs = append(docs, rel)
	}
	pathRE := regexp.MustCompile("(?:^|[\\s`(\\[])((?:docs|testdata|deploy|api|cmd|scripts)/[A-Za-z0-9_./-]*[A-Za-z0-9_])")
	adrRE := regexp.MustCompile(`\b(00[0-9]{2})\b`)
	adrFiles, _ := filepath.Glob(filepath.Join(root, "docs", "adr", "0*.md"))
	haveADR := map[string]bool{}
	for _, f := range adrFiles {
		haveADR[filepath.Base(f)[:4]] = true
	}
	for _, doc := range docs {
		b, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pathRE.FindAllStringSubmatch(string(b), -1) {
			p := strings.TrimSuffix(m[1], ".")
			if strings.ContainsAny(p, "*<") {
				continue
			}
			if m, _ := filepath.Glob(filepath.Join(root, p) + "*"); len(m) == 0 { // "docs/adr/0011" names 0011-….md
				t.Errorf("%s cites %s, which is not in the repository", doc, p)
			}
		}
		if doc == "README.md" || doc == "api/openapi.yaml" {
			for _, m := range adrRE.FindAllStringSubmatch(string(b), -1) {
				if !haveADR[m[1]] {
					t.Errorf("%s cites ADR %s, which docs/adr does not have", doc, m[1])
				}
			}
		}
	}
}
