package server

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"testing"
	"time"
)

// TestFastLogMatchesHandle checks that the access log's fast path writes exactly the line
// the logger's handler writes for the same record, in both formats.
func TestFastLogMatchesHandle(t *testing.T) {
	strs := []string{"", "plain", "/nernst", "with space", "a=b", `q"uote`, `back\slash`, "tab\there", "nl\nx",
		"ünïcödé", "\u00a0nbsp", "\u2028", "bad\xffutf8", "\x7f", "ctl\x01", "emoji😀", "<&>"}
	floats := []float64{0, 0.023, 1.5, 1e-7, 123456789.125, 1e21, math.Inf(1), math.NaN()}
	tm := time.Date(2026, 11, 22, 22, 0, 16, 109_876_543, time.UTC)
	for _, format := range []string{"text", "json"} {
		for _, withTrace := range []bool{false, true} {
			for i, s := range strs {
				var slow, fast bytes.Buffer
				slowLog := NewLogger(&slow, format, slog.LevelDebug, "dev")
				fastLogger := NewLogger(&fast, format, slog.LevelDebug, "dev")
				f, ok := fastLogOf(fastLogger)
				if !ok {
					t.Fatalf("%s: no fast path", format)
				}
				rec := &record{id: "req-" + s, traceID: ""}
				if withTrace {
					rec.traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
				}
				ctx := context.WithValue(context.Background(), recordKey{}, rec)
				attrs := []slog.Attr{slog.String("method", "GET"), slog.String(s+"k", s), slog.Int("status", 200+i),
					slog.Float64("duration_ms", floats[i%len(floats)]), slog.Int64("bytes", int64(-i)), slog.String("error", s)}
				r := slog.NewRecord(tm, slog.LevelInfo+slog.Level(i%3*4), "request "+s, 0)
				r.AddAttrs(attrs...)
				if err := slowLog.Handler().Handle(ctx, r); err != nil {
					t.Fatal(err)
				}
				f.log(rec, tm, slog.LevelInfo+slog.Level(i%3*4), "request "+s, attrs)
				if slow.String() != fast.String() {
					t.Errorf("%s %q:\nHandle: %s\nfast:   %s", format, s, slow.String(), fast.String())
				}
			}
		}
	}
}

// TestLogTimeCache checks the per-second cached time formats against time.Format.
func TestLogTimeCache(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("X", -5*3600)
	}
	base := time.Date(2026, 11, 22, 22, 0, 16, 0, time.UTC)
	for _, loc := range []*time.Location{time.UTC, time.Local, ny, time.FixedZone("odd", 5*3600+30*60)} {
		for i := range 3000 {
			tm := base.Add(time.Duration(i) * 777_777_777 * time.Nanosecond).In(loc)
			if got, want := string(appendLogTimeText(nil, tm)), string(appendRFC3339Millis(nil, tm)); got != want {
				t.Fatalf("text %v: %s, want %s", tm, got, want)
			}
			if got, want := string(appendLogTimeJSON(nil, tm)), tm.UTC().Format("2006-01-02T15:04:05.000000Z"); got != want {
				t.Fatalf("json %v: %s, want %s", tm, got, want)
			}
		}
	}
	for _, tm := range []time.Time{time.Date(12, 1, 1, 0, 0, 0, 5e8, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got, want := string(appendLogTimeJSON(nil, tm)), tm.Format("2006-01-02T15:04:05.000000Z"); got != want {
			t.Fatalf("json %v: %s, want %s", tm, got, want)
		}
	}
}
