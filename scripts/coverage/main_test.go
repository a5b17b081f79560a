package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestParseAndReport(t *testing.T) {
	profile := `mode: set
mfn/a/x.go:1.1,2.2 3 1
mfn/a/x.go:3.1,4.2 1 0
mfn/b/y.go:1.1,2.2 4 0
mfn/b/y.go:1.1,2.2 4 1
`
	pkgs, err := parse(strings.NewReader(profile), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pkgs["mfn/a"] != (counts{4, 3}) || pkgs["mfn/b"] != (counts{4, 4}) {
		t.Fatalf("counts %v", pkgs)
	}
	var out bytes.Buffer
	total := report(&out, pkgs)
	if total != (counts{8, 7}) || !strings.Contains(out.String(), "mfn/a        4   75.0%") || !strings.Contains(out.String(), "total        8   87.5%") {
		t.Errorf("total %v, report:\n%s", total, out.String())
	}
	if _, err := parse(strings.NewReader("mode: set\nnot a block\n"), nil); err == nil {
		t.Error("a malformed line was accepted")
	}
}

// Generated files are left out of every figure when -exclude matches them.
func TestParseExcludes(t *testing.T) {
	profile := "mode: set\nmfn/a/x.go:1.1,2.2 3 1\nmfn/a/x.pb.go:1.1,2.2 100 0\nmfn/p/only.pb.go:1.1,2.2 5 0\n"
	pkgs, err := parse(strings.NewReader(profile), regexp.MustCompile(`\.pb\.go$`))
	if err != nil {
		t.Fatal(err)
	}
	if pkgs["mfn/a"] != (counts{3, 3}) || len(pkgs) != 1 {
		t.Errorf("counts %v, want only mfn/a's own 3 statements", pkgs)
	}
}

func TestBadge(t *testing.T) {
	svg := badgeSVG(81.25)
	if !strings.Contains(svg, ">81.2%</text>") || !strings.Contains(svg, "#a4a61d") || !strings.HasPrefix(svg, "<svg") {
		t.Errorf("badge:\n%s", svg)
	}
	if !strings.Contains(badgeSVG(90), "#4c1") || !strings.Contains(badgeSVG(10), "#e05d44") {
		t.Error("colours do not follow the figure")
	}
}
