package cli

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// progress reports long work on stderr: a bar redrawn in place on a terminal, plain lines
// (at most one every 2 s, and at the end) otherwise, nothing when quiet.
type progress struct {
	env      *Env
	quiet    bool
	tty      bool
	total    int
	start    time.Time
	lastLine time.Time
	last     int
	label    string // printed before each line, e.g. "shard 3/16: "
}

func newProgress(env *Env, quiet bool, total int) *progress {
	p := &progress{env: env, quiet: quiet, total: total, start: time.Now()}
	if f, ok := env.Stderr.(*os.File); ok && env.Getenv("CI") == "" && env.Getenv("TERM") != "dumb" {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) update(done, total int) {
	if p.quiet {
		return
	}
	p.last = done
	elapsed := time.Since(p.start)
	eta := ""
	if done > 0 && done < total {
		left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
		eta = fmt.Sprintf(", ~%s left", left.Round(100*time.Millisecond))
	}
	if p.tty {
		const width = 30
		filled := width * done / max(total, 1)
		fmt.Fprintf(p.env.Stderr, "\r%s[%s%s] %d/%d samples (%s%s)   ", p.label, strings.Repeat("#", filled), strings.Repeat(".", width-filled),
			done, total, elapsed.Round(100*time.Millisecond), eta)
		return
	}
	if done == total || time.Since(p.lastLine) >= 2*time.Second {
		p.lastLine = time.Now()
		fmt.Fprintf(p.env.Stderr, "%sprogress: %d/%d samples (%d%%), %s elapsed%s\n", p.label, done, total, 100*done/max(total, 1),
			elapsed.Round(100*time.Millisecond), eta)
	}
}

func (p *progress) finish() {
	if p.tty && !p.quiet {
		fmt.Fprintln(p.env.Stderr)
	}
}

func defaultWorkers() int { return runtime.NumCPU() }
