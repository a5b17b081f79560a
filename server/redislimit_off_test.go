//go:build noredis

package server

import (
	"strings"
	"testing"
)

// A build without Redis refuses shared rate limits at start-up, naming the tag.
func TestRedisURLRefusedWithoutRedis(t *testing.T) {
	env := map[string]string{"MFN_RATE_LIMIT_REDIS_URL": "redis://127.0.0.1:6379"}
	_, err := LoadConfig(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "MFN_RATE_LIMIT_REDIS_URL") || !strings.Contains(err.Error(), "-tags noredis") {
		t.Fatalf("LoadConfig: %v", err)
	}
}
