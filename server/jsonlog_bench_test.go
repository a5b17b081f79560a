package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

func benchLogger(b *testing.B, h slog.Handler) {
	log := slog.New(h).With("env", "prod")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		log.LogAttrs(ctx, slog.LevelInfo, "request completed", slog.String("method", "GET"), slog.String("route", "/health"),
			slog.String("path", "/health"), slog.Int("status", 200), slog.Float64("duration_ms", 0.123),
			slog.Int64("bytes", 38), slog.String("client_ip", "127.0.0.1"), slog.String("request_id", "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"))
	}
}

func BenchmarkLogOurJSON(b *testing.B)  { benchLogger(b, newJSONHandler(io.Discard, slog.LevelInfo)) }
func BenchmarkLogSlogJSON(b *testing.B) { benchLogger(b, slog.NewJSONHandler(io.Discard, nil)) }
