package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is an output safe to read while the command writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runWithEnv calls Run with the given environment.
func runWithEnv(ctx context.Context, env map[string]string, args ...string) (int, *lockedBuffer, *lockedBuffer) {
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	code := Run(ctx, args, strings.NewReader(""), out, errb, func(k string) string { return env[k] })
	return code, out, errb
}

func TestServeCheckConfig(t *testing.T) {
	code, out, errb := runWithEnv(context.Background(), map[string]string{"MFN_API_KEYS": "a,b"}, "serve", "--check-config")
	if code != 0 || !strings.Contains(out.String(), "configuration OK") || strings.Contains(out.String(), "a,b") {
		t.Errorf("good config: %d %q %q", code, out.String(), errb.String())
	}
	code, _, errb = runWithEnv(context.Background(), map[string]string{"MFN_ENV": "production", "MFN_RATE_LIMIT_WINDOW": "0"},
		"serve", "--check-config")
	if code != 1 || !strings.Contains(errb.String(), `MFN_ENV="production": must be one of dev, staging, prod`) ||
		!strings.Contains(errb.String(), "MFN_RATE_LIMIT_WINDOW") {
		t.Errorf("bad config: %d %q", code, errb.String())
	}
	// Without --check-config a bad configuration stops start-up the same way.
	code, _, errb = runWithEnv(context.Background(), map[string]string{"MFN_LOG_LEVEL": "chatty"}, "serve", "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errb.String(), "MFN_LOG_LEVEL") {
		t.Errorf("serve with a bad config: %d %q", code, errb.String())
	}
}

func TestServeInitKeyFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	if code, out, errb := runWithEnv(context.Background(), nil, "serve", "--init-key-file", file); code != 0 || !strings.Contains(out.String(), file) {
		t.Fatalf("init: %d %q %q", code, out.String(), errb.String())
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v", fi, err)
	}
	if code, _, errb := runWithEnv(context.Background(), nil, "serve", "--init-key-file", file); code == 0 || !strings.Contains(errb.String(), "refusing to overwrite") {
		t.Errorf("second init: %d %q", code, errb.String())
	}
	env := map[string]string{"MFN_ENV": "prod", "MFN_API_KEY": "k", "MFN_CRYPTO_KEY_FILE": file}
	if code, out, errb := runWithEnv(context.Background(), env, "serve", "--check-config"); code != 0 {
		t.Errorf("prod with the key file: %d %q %q", code, out.String(), errb.String())
	}
}

// mfn serve answers requests and exits 0 when its context ends (SIGTERM in main).
func TestServeRunsAndStopsGracefully(t *testing.T) {
	// os/signal starts its process-wide watcher once, on first use; start it before counting.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP)
	signal.Stop(sig)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type outcome struct {
		code      int
		out, errb *lockedBuffer
	}
	done := make(chan outcome, 1)
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	go func() {
		code := Run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, strings.NewReader(""), out, errb,
			func(k string) string { return map[string]string{"MFN_LOG_FORMAT": "json"}[k] })
		done <- outcome{code, out, errb}
	}()
	addrRe := regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; {
		if m := addrRe.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("server did not start: %q %q", out.String(), errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	tr := &http.Transport{}
	resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tr.CloseIdleConnections()
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-ID") == "" {
		t.Errorf("/health: %d %v", resp.StatusCode, resp.Header)
	}
	cancel()
	select {
	case o := <-done:
		if o.code != 0 || !strings.Contains(o.out.String(), `"message":"stopped"`) {
			t.Errorf("exit %d, out %q, err %q", o.code, o.out.String(), o.errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	// Every goroutine serve started (workers, watcher, signal forwarder, listener, log flusher)
	// has stopped.
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before serve, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
