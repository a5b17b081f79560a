//go:build !noredis

package server

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// redisServer is a redis-server process of a test.
type redisServer struct {
	port int
	cmd  *exec.Cmd
	stop func()
}

// startRedis runs Debian's redis-server on a free loopback port, without persistence. It
// skips without the binary, except in CI (.ci/steps/17-redis.sh installs it), where that fails.
func startRedis(t testing.TB) (url string, stop func()) {
	t.Helper()
	r := startRedisServer(t)
	return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port), r.stop
}

// startRedisServer starts redis-server with extra arguments; "%d" in them is the port, and
// when one of them contains it the server listens there (for --tls-port) and not in plain text.
func startRedisServer(t testing.TB, extra ...string) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not found; .ci/steps/17-redis.sh installs Debian's redis-server")
		}
		t.Skip("redis-server not found (apt-get install redis-server)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
	for _, a := range extra {
		if strings.Contains(a, "%d") {
			args[1], a = "0", fmt.Sprintf(a, port)
		}
		args = append(args, a)
	}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &redisServer{port: port, cmd: cmd}
	stopped := false
	r.stop = func() {
		if !stopped {
			stopped = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(r.stop)
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not listen: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

func redisEnv(url, fail string) map[string]string {
	return map[string]string{"MFN_RATE_LIMIT_ENABLED": "true", "MFN_RATE_LIMIT_ROUTES": "/nernst=6",
		"MFN_RATE_LIMIT_WINDOW": "1h", "MFN_RATE_LIMIT_REDIS_URL": url, "MFN_RATE_LIMIT_REDIS_FAIL": fail,
		"MFN_RATE_LIMIT_REDIS_TIMEOUT": "200ms"}
}

const nernstBody = `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14}`

// Two servers sharing one Redis share one budget: 6 requests per key in all, whichever
// replica takes them. Without Redis each would allow 6 (12 in all).
func TestRedisLimiterSharedAcrossReplicas(t *testing.T) {
	url, _ := startRedis(t)
	a, _ := testApp(t, redisEnv(url, "open"))
	b, _ := testApp(t, redisEnv(url, "open"))
	var codes []int
	for i := 0; i < 12; i++ {
		h := a.Handler()
		if i%2 == 1 {
			h = b.Handler()
		}
		rec := call(h, "POST", "/nernst", nernstBody, "X-API-Key", devAPIKey)
		switch rec.Code {
		case 200:
		case 429:
			if rec.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		codes = append(codes, rec.Code)
	}
	if want := []int{200, 200, 200, 200, 200, 200, 429, 429, 429, 429, 429, 429}; !slices.Equal(codes, want) {
		t.Errorf("two replicas answered %v, want the shared 6 allowed, then refused", codes)
	}
	for _, app := range []*App{a, b} {
		if n := testutil.ToFloat64(app.redisLimiter.errors); n != 0 {
			t.Errorf("%v backend errors: the decisions must come from Redis, not the fallback", n)
		}
	}
	// Another key has its own budget.
	if rec := call(a.Handler(), "POST", "/nernst", nernstBody, "X-Forwarded-For", "1.2.3.4"); rec.Code != 200 && rec.Code != 401 {
		t.Errorf("another identity: %d", rec.Code)
	}
}

// Redis goes away: failing open, each replica falls back to its own limits (6 each);
// failing closed, everything limited is refused with 429. Errors are counted.
func TestRedisLimiterWhenRedisGoesAway(t *testing.T) {
	url, stop := startRedis(t)
	open, openLogs := testApp(t, redisEnv(url, "open"))
	closed, _ := testApp(t, redisEnv(url, "closed"))
	if rec := call(open.Handler(), "POST", "/nernst", nernstBody, "X-API-Key", devAPIKey); rec.Code != 200 {
		t.Fatalf("with Redis up: %d", rec.Code)
	}
	stop()
	codes := map[int]int{}
	for i := 0; i < 8; i++ {
		codes[call(open.Handler(), "POST", "/nernst", nernstBody, "X-API-Key", devAPIKey).Code]++
	}
	if codes[200] != 6 || codes[429] != 2 {
		t.Errorf("fail open without Redis: %v, want the replica's own 6 allowed then 429", codes)
	}
	rec := call(closed.Handler(), "POST", "/nernst", nernstBody, "X-API-Key", devAPIKey)
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
		t.Errorf("fail closed without Redis: %d %v", rec.Code, rec.Header())
	}
	if n := testutil.ToFloat64(open.redisLimiter.errors); n < 8 {
		t.Errorf("mfn_rate_limit_backend_errors_total = %v after 8 failed decisions", n)
	}
	// The warning is logged at most once a second, not once per request.
	if n := strings.Count(openLogs.String(), "rate limiter: Redis unavailable"); n < 1 || n >= 8 {
		t.Errorf("%d warnings for 8 failed decisions, want 1 a second", n)
	}
}

func TestRedisLimiterConfig(t *testing.T) {
	_, err := LoadConfig(func(k string) string {
		return map[string]string{"MFN_RATE_LIMIT_REDIS_URL": "http://user:pw@host:6379", "MFN_RATE_LIMIT_REDIS_FAIL": "maybe"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "MFN_RATE_LIMIT_REDIS_URL") || strings.Contains(err.Error(), "pw@") ||
		!strings.Contains(err.Error(), "MFN_RATE_LIMIT_REDIS_FAIL") {
		t.Errorf("bad Redis settings: %v", err)
	}
	cfg, err := LoadConfig(func(k string) string {
		return map[string]string{"MFN_RATE_LIMIT_ENABLED": "true"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := Summary(cfg); !strings.Contains(s, "rate limits are per replica") {
		t.Errorf("summary without Redis does not state per-replica limits:\n%s", s)
	}
	cfg.RateLimitRedisURL = "redis://:secret@r:6379/0"
	if s := Summary(cfg); !strings.Contains(s, "shared by every replica") || strings.Contains(s, "secret") {
		t.Errorf("summary with Redis:\n%s", s)
	}
}
