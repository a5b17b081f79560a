// Command coverage summarises a Go coverage profile: statement coverage per package and in
// total, a check against a floor, and an SVG badge (no external service).
//
//	go test -covermode=set -coverprofile=cover.out ./...
//	go run ./scripts/coverage -profile cover.out -floor 75 -badge docs/coverage.svg
//
// It exits 1 when the total is below the floor.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	profile := flag.String("profile", "cover.out", "coverage profile written by go test -coverprofile")
	floor := flag.Float64("floor", 0, "fail (exit 1) when total statement coverage is below this percentage")
	badge := flag.String("badge", "", "write an SVG badge with the total to this file")
	exclude := flag.String("exclude", "", "leave out of every figure the files whose path matches this regular expression (generated code)")
	flag.Parse()
	var skip *regexp.Regexp
	if *exclude != "" {
		var err error
		if skip, err = regexp.Compile(*exclude); err != nil {
			fmt.Fprintf(os.Stderr, "coverage: -exclude=%q: %v\n", *exclude, err)
			os.Exit(2)
		}
	}
	f, err := os.Open(*profile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "coverage:", err)
		os.Exit(1)
	}
	pkgs, err := parse(f, skip)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "coverage:", err)
		os.Exit(1)
	}
	total := report(os.Stdout, pkgs)
	if *badge != "" {
		if err := os.WriteFile(*badge, []byte(badgeSVG(total.percent())), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "coverage:", err)
			os.Exit(1)
		}
	}
	if total.percent() < *floor {
		fmt.Fprintf(os.Stderr, "coverage: total %.1f%% is below the floor of %.1f%%\n", total.percent(), *floor)
		os.Exit(1)
	}
}

// counts are statements in total and statements run at least once.
type counts struct{ stmts, covered int }

func (c counts) percent() float64 {
	if c.stmts == 0 {
		return 0
	}
	return 100 * float64(c.covered) / float64(c.stmts)
}

// parse reads a profile into per-package counts. A block listed more than once (several test
// binaries cover one package) counts once, as covered if any listing ran it. Blocks of files
// that skip matches (nil: none) are left out.
func parse(r io.Reader, skip *regexp.Regexp) (map[string]counts, error) {
	type block struct {
		pkg   string
		stmts int
		hit   bool
	}
	blocks := map[string]*block{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		t := sc.Text()
		if line == 1 && strings.HasPrefix(t, "mode:") || t == "" {
			continue
		}
		// file.go:startLine.startCol,endLine.endCol numStmts count
		sp := strings.LastIndexByte(t, ' ')
		sp2 := strings.LastIndexByte(t[:max(sp, 0)], ' ')
		colon := strings.LastIndexByte(t[:max(sp2, 0)], ':')
		if sp < 0 || sp2 < 0 || colon < 0 {
			return nil, fmt.Errorf("line %d: %q is not a coverage block", line, t)
		}
		n, err1 := strconv.Atoi(t[sp2+1 : sp])
		hits, err2 := strconv.ParseInt(t[sp+1:], 10, 64)
		if err1 != nil || err2 != nil || n < 0 {
			return nil, fmt.Errorf("line %d: %q is not a coverage block", line, t)
		}
		if skip != nil && skip.MatchString(t[:colon]) {
			continue
		}
		key := t[:sp2]
		b := blocks[key]
		if b == nil {
			b = &block{pkg: path.Dir(t[:colon]), stmts: n}
			blocks[key] = b
		}
		b.hit = b.hit || hits > 0
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	pkgs := map[string]counts{}
	for _, b := range blocks {
		c := pkgs[b.pkg]
		c.stmts += b.stmts
		if b.hit {
			c.covered += b.stmts
		}
		pkgs[b.pkg] = c
	}
	return pkgs, nil
}

// report prints each package's coverage and the total, and returns the total.
func report(w io.Writer, pkgs map[string]counts) counts {
	names := make([]string, 0, len(pkgs))
	width := len("total")
	for n := range pkgs {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	var total counts
	fmt.Fprintf(w, "%-*s  %7s  %s\n", width, "package", "stmts", "coverage")
	for _, n := range names {
		c := pkgs[n]
		total.stmts += c.stmts
		total.covered += c.covered
		fmt.Fprintf(w, "%-*s  %7d  %5.1f%%\n", width, n, c.stmts, c.percent())
	}
	fmt.Fprintf(w, "%-*s  %7d  %5.1f%%\n", width, "total", total.stmts, total.percent())
	return total
}

// badgeSVG is a flat two-part badge, "coverage | 81.2%", coloured by the figure.
func badgeSVG(pct float64) string {
	colour := "#e05d44" // red
	switch {
	case pct >= 85:
		colour = "#4c1"
	case pct >= 75:
		colour = "#a4a61d"
	case pct >= 60:
		colour = "#dfb317"
	}
	value := fmt.Sprintf("%.1f%%", pct)
	// Widths from a 7 px average glyph of 11 px Verdana, plus padding.
	lw, vw := 63, 7*len(value)+10
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%[1]d" height="20" role="img" aria-label="coverage: %[4]s">
<title>coverage: %[4]s</title>
<rect width="%[2]d" height="20" fill="#555"/>
<rect x="%[2]d" width="%[3]d" height="20" fill="%[5]s"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="%[6]d" y="14">coverage</text>
<text x="%[7]d" y="14">%[4]s</text>
</g>
</svg>
`, lw+vw, lw, vw, value, colour, lw/2, lw+vw/2)
}
