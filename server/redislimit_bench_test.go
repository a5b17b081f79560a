//go:build !noredis

package server

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// BenchmarkRedisLimiterAllow is one shared decision against a local redis-server: one
// caller at a time (the latency of the round trips) and callers in parallel (throughput
// through the pool). Compare as a ratio with another build in the same run.
func BenchmarkRedisLimiterAllow(b *testing.B) {
	url, _ := startRedis(b)
	l, err := NewRedisLimiter(url, false, 2*time.Second, 1_000_000_000, time.Hour, nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = fmt.Sprint("client", i)
	}
	var refused atomic.Int64
	b.Run("serial", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if !l.Allow(keys[i%len(keys)], "/nernst").Allowed {
				refused.Add(1)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !l.Allow(keys[next.Add(1)%int64(len(keys))], "/nernst").Allowed {
					refused.Add(1)
				}
			}
		})
	})
	if n := refused.Load(); n > 0 || testutil.ToFloat64(l.errors) > 0 {
		b.Fatalf("%d refused, %v backend errors", n, testutil.ToFloat64(l.errors))
	}
}
