package server

import (
	"strings"
	"testing"
)

func TestParseRedisURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want redisEndpoint
	}{
		{"redis://r:6380/2", redisEndpoint{network: "tcp", address: "r:6380", db: 2, serverName: "r"}},
		{"redis://r", redisEndpoint{network: "tcp", address: "r:6379", serverName: "r"}},
		{"redis://", redisEndpoint{network: "tcp", address: "localhost:6379", serverName: "localhost"}},
		{"redis://:pw@r:6379/0", redisEndpoint{network: "tcp", address: "r:6379", password: "pw", serverName: "r"}},
		{"redis://u:p%40ss@r:1/15", redisEndpoint{network: "tcp", address: "r:1", username: "u", password: "p@ss", db: 15, serverName: "r"}},
		{"rediss://cache.example.com:6380/1", redisEndpoint{network: "tcp", address: "cache.example.com:6380", db: 1, tls: true, serverName: "cache.example.com"}},
		{"redis://[::1]:6379/", redisEndpoint{network: "tcp", address: "[::1]:6379", serverName: "::1"}},
		{"unix:///run/redis.sock", redisEndpoint{network: "unix", address: "/run/redis.sock"}},
		{"unix://:pw@/run/redis.sock?db=4", redisEndpoint{network: "unix", address: "/run/redis.sock", password: "pw", db: 4}},
	} {
		got, err := parseRedisURL(c.url)
		if err != nil || got != c.want {
			t.Errorf("parseRedisURL(%q) = %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
	for _, c := range []struct{ url, want string }{
		{"http://r:6379", `scheme "http" is not allowed`},
		{"r:6379", `scheme "r" is not allowed`},
		{"redis://r:6379/x", `database "x" is not a non-negative integer`},
		{"redis://r:6379/-1", `database "-1"`},
		{"redis://r:6379/0/1", `database "0/1"`},
		{"redis://r:0", `port "0" is not a number from 1 to 65535`},
		{"redis://r:99999", `port "99999"`},
		{"redis://r:", "empty port"},
		{"redis://r:6379/0?dial_timeout=1s", `query parameters ("dial_timeout") are not supported`},
		{"redis://r/0#x", "fragment"},
		{"unix://host/run/redis.sock", "no host"},
		{"unix://", "socket path"},
		{"unix:///s?db=x", `database "x"`},
		{"unix:///s?db=1&pool=2", `query parameter "pool"`},
		{"redis://:se%cret@r", "not a URL"},
	} {
		_, err := parseRedisURL(c.url)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseRedisURL(%q): %v, want an error containing %q", c.url, err, c.want)
		}
	}
}

// Errors name the problem, never the password.
func TestParseRedisURLErrorsHidePassword(t *testing.T) {
	for _, u := range []string{"redis://:hunter2@r:x", "redis://:hunter2@r/q", "redis://u:hunter2@r%zz", "ftp://:hunter2@r",
		"redis://:hunter2@r?a=b"} {
		_, err := parseRedisURL(u)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("parseRedisURL(%q): %v", u, err)
		}
		if _, err := LoadConfig(func(k string) string { return map[string]string{"MFN_RATE_LIMIT_REDIS_URL": u}[k] }); err == nil ||
			strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "MFN_RATE_LIMIT_REDIS_URL") {
			t.Errorf("LoadConfig with %q: %v", u, err)
		}
	}
}

func FuzzParseRedisURL(f *testing.F) {
	for _, s := range []string{"redis://r:6379/0", "rediss://u:p@r:6380/1", "unix://:pw@/run/r.sock?db=2",
		"redis://[::1]:6379", "redis://:pw@r:x", "unix://h/s", "http://r", "redis://r/0?db=1", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseRedisURL(s)
		if err != nil {
			return
		}
		if (e.network != "tcp" && e.network != "unix") || e.address == "" || e.db < 0 {
			t.Errorf("parseRedisURL(%q) = %+v", s, e)
		}
	})
}
