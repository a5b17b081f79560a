//go:build !noredis && unix

package server

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// A Redis that accepts connections but never answers (the process stopped) costs each
// decision at most the timeout, for a pooled connection and for a new one alike; then the
// limiter fails as configured. Without a deadline the decision would wait for ever.
func TestRedisLimiterTimeoutWhenRedisHangs(t *testing.T) {
	r := startRedisServer(t)
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", r.port)
	const timeout = 200 * time.Millisecond
	open, err := NewRedisLimiter(url, true, timeout, 100, time.Hour, map[string]int{"/nernst": 6}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	// Its connections have 2 s read and write timeouts: deciding in 200 ms shows the
	// decision's own deadline at work.
	closed := newTestRedisLimiter(t, url, 6, time.Hour)
	closed.timeout = timeout
	if d := open.Allow("k", "/nernst"); !d.Allowed || backendErrors(open) != 0 { // a pooled connection now
		t.Fatalf("with Redis up: %+v", d)
	}
	if err := r.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer r.cmd.Process.Signal(syscall.SIGCONT)
	for _, c := range []struct {
		name    string
		l       *RedisLimiter
		allowed bool
	}{{"fail open, pooled connection", open, true}, {"fail closed, new connection", closed, false}} {
		start := time.Now()
		d := c.l.Allow("k", "/nernst")
		el := time.Since(start)
		if d.Allowed != c.allowed || backendErrors(c.l) != 1 {
			t.Errorf("%s: %+v, %v backend errors", c.name, d, backendErrors(c.l))
		}
		// Generous: the bound is the timeout; the margin is for a loaded machine.
		if el > timeout+2*time.Second {
			t.Errorf("%s: the decision took %v with a %v timeout", c.name, el, timeout)
		}
		t.Logf("%s: decided in %v", c.name, el)
	}
}
