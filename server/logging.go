package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// LevelCritical is the reference's CRITICAL level.
const LevelCritical = slog.LevelError + 4

// NewLogger returns the service's logger: JSON or text lines on w at the configured level,
// each line inside a request carrying its request_id and trace_id.
func NewLogger(w io.Writer, format string, level slog.Level, env string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		// The level as a plain string: the reference's names, and slog's fast path for strings
		// (a slog.Level value would go through encoding/json).
		if a.Key == slog.LevelKey {
			if l, ok := a.Value.Any().(slog.Level); ok {
				return slog.String(slog.LevelKey, levelName(l))
			}
		}
		return a
	}}
	var h slog.Handler
	if format == "json" {
		h = newJSONHandler(w, level)
	} else {
		h = newTextHandler(w, opts)
	}
	return slog.New(ctxHandler{h}).With("env", env)
}

// levelName is the reference's name of a level: DEBUG, INFO, WARNING, ERROR, CRITICAL.
func levelName(l slog.Level) string {
	switch {
	case l >= LevelCritical:
		return "CRITICAL"
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	}
	return "DEBUG"
}

// ctxHandler adds the exchange's request and trace IDs to every record logged with its context.
type ctxHandler struct{ slog.Handler }

func (h ctxHandler) Handle(ctx context.Context, r slog.Record) error {
	if rec := recordOf(ctx); rec != nil {
		r.AddAttrs(slog.String("request_id", rec.id))
		if rec.traceID != "" {
			r.AddAttrs(slog.String("trace_id", rec.traceID))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h ctxHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return ctxHandler{h.Handler.WithAttrs(as)}
}
func (h ctxHandler) WithGroup(name string) slog.Handler { return ctxHandler{h.Handler.WithGroup(name)} }

// lineBuffer batches log lines bound for a file (stdout): one write system call per batch
// instead of one per line, which matters at tens of thousands of requests per second. It
// flushes when 64 KiB are pending, every interval, and on Close. Lines are whole: each slog
// record is one Write.
type lineBuffer struct {
	mu    sync.Mutex
	w     *bufio.Writer
	stop  chan struct{}
	done  chan struct{}
	close sync.Once
}

func newLineBuffer(w io.Writer, interval time.Duration) *lineBuffer {
	b := &lineBuffer{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				b.flush()
			case <-b.stop:
				return
			}
		}
	}()
	return b
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

func (b *lineBuffer) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.w.Flush()
}

// Close stops the flusher and writes out what is pending.
func (b *lineBuffer) Close() {
	b.close.Do(func() {
		close(b.stop)
		<-b.done
		b.flush()
	})
}
