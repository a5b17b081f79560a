package grpcapi

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// docExample is one `$ ` command of docs/grpc.md and the output lines after it.
type docExample struct {
	line int
	cmd  string
	want []string
}

// docExamples reads the ```console blocks of a Markdown file.
func docExamples(t *testing.T, path string) []docExample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []docExample
	in := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case line == "```console":
			in = true
		case in && line == "```":
			in = false
		case in && strings.HasPrefix(line, "$ "):
			out = append(out, docExample{line: n, cmd: line[2:]})
		case in && len(out) > 0:
			out[len(out)-1].want = append(out[len(out)-1].want, line)
		}
	}
	return out
}

// matches reports whether got (lines) is want, where a "…" line in want stands for any lines.
func matches(got, want []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if want[0] == "…" {
		for i := 0; i <= len(got); i++ {
			if matches(got[i:], want[1:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && got[0] == want[0] && matches(got[1:], want[1:])
}

// grpcurlPath finds grpcurl on PATH or in GOPATH/bin; in CI its absence is a failure
// (.ci/steps/15-grpc.sh installs it), elsewhere a skip.
func grpcurlPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("grpcurl"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "grpcurl")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := "grpcurl is not installed (go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestDocsGRPCurlExamples runs every grpcurl example of docs/grpc.md against a service
// configured as the document says, and compares the output.
func TestDocsGRPCurlExamples(t *testing.T) {
	grpcurl := grpcurlPath(t)
	examples := docExamples(t, "../docs/grpc.md")
	if len(examples) < 6 {
		t.Fatalf("docs/grpc.md has %d examples", len(examples))
	}
	app := openApp(t, map[string]string{"MFN_API_KEY_REQUIRED": "true", "MFN_API_KEY": "demo-key",
		"MFN_STREAM_MIN_FRAME_INTERVAL": "1ms"})
	defer app.Close()
	gs, err := New(app.Transport())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(ln) }()
	defer gs.Shutdown(context.Background())
	for _, ex := range examples {
		if !strings.HasPrefix(ex.cmd, "grpcurl ") {
			t.Errorf("docs/grpc.md:%d: not a grpcurl command: %s", ex.line, ex.cmd)
			continue
		}
		cmd := strings.ReplaceAll(ex.cmd, "127.0.0.1:9090", ln.Addr().String())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c := exec.CommandContext(ctx, "sh", "-c", "exec "+shellQuote(grpcurl)+cmd[len("grpcurl"):])
		out, _ := c.CombinedOutput() // errors exit non-zero by design; the output says which
		cancel()
		got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if !matches(got, ex.want) {
			t.Errorf("docs/grpc.md:%d: %s\ngot:\n%s\nwant:\n%s", ex.line, ex.cmd, out, strings.Join(ex.want, "\n"))
		}
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
