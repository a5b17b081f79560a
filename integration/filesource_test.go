package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFileSource: .json and .jsonl requests are handed out in name order, a malformed file
// goes to failed/ with its reason instead of blocking later polls, a committed file moves to
// done/, and a file not fully committed is handed out again by the next source.
func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.json", `{"seed": 1}`)
	writeFile(t, dir, "b.json", `{"seed": `) // poison
	writeFile(t, dir, "c.jsonl", "{\"seed\": 2}\n\n{\"seed\": 3}\n")
	writeFile(t, dir, "notes.txt", "ignored")
	cfg := FileSourceConfig{Dir: dir, Interval: Duration(10 * time.Millisecond)}
	src, err := NewFileSource(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, err := src.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, d := range ds {
		vals = append(vals, string(d.Value))
	}
	if strings.Join(vals, " ") != `{"seed": 1} {"seed": 2} {"seed": 3}` {
		t.Fatalf("handed out %q", vals)
	}
	if reason, err := os.ReadFile(filepath.Join(dir, "failed", "b.json.error")); err != nil || !strings.Contains(string(reason), "not a JSON") {
		t.Errorf("malformed file not moved to failed/ with its reason: %v %q", err, reason)
	}
	// Commit a.json fully and c.jsonl only in part.
	if err := src.Commit(ctx, ds[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "done", "a.json")); err != nil {
		t.Errorf("a.json not in done/: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "c.jsonl")); err != nil {
		t.Errorf("c.jsonl left before all its requests were committed: %v", err)
	}
	// A restart: c.jsonl is handed out again, with the same keys.
	src2, err := NewFileSource(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := src2.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 2 || again[0].Key != ds[1].Key || again[1].Key != ds[2].Key {
		t.Fatalf("after restart got %v, want c.jsonl's two requests with their keys", again)
	}
	if err := src2.Commit(ctx, again); err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer pcancel()
	if more, err := src2.Poll(pctx); len(more) != 0 || err == nil {
		t.Errorf("poll of an empty inbox = %v, %v; want nothing until the context ends", more, err)
	}
}

func TestFileSourceConfigErrors(t *testing.T) {
	if _, err := NewFileSource(FileSourceConfig{Dir: filepath.Join(t.TempDir(), "missing")}, nil); err == nil || !strings.Contains(err.Error(), "dir") {
		t.Errorf("missing dir: %v", err)
	}
	c := FileSourceConfig{Dir: "/x", Pattern: "[", Delete: true, DoneDir: "/y"}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "pattern") || !strings.Contains(err.Error(), "done_dir, delete") {
		t.Errorf("Validate = %v", err)
	}
}

// TestFileSourceRequestKey: a request's own "key" (else "id") string is its key, as the docs
// say; one without gets the file's deterministic key.
func TestFileSourceRequestKey(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.jsonl", `{"seed": 1, "key": "run-7"}`+"\n"+`{"seed": 2, "id": "job-3"}`+"\n"+`{"seed": 3, "key": 5}`+"\n")
	src, err := NewFileSource(FileSourceConfig{Dir: dir, Interval: Duration(10 * time.Millisecond)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, err := src.Poll(ctx)
	if err != nil || len(ds) != 3 {
		t.Fatalf("poll: %v, %d deliveries", err, len(ds))
	}
	if ds[0].Key != "run-7" || ds[1].Key != "job-3" || !strings.HasPrefix(ds[2].Key, "file:a.jsonl#3:") {
		t.Errorf("keys %q, %q, %q; want run-7, job-3 and a file: key", ds[0].Key, ds[1].Key, ds[2].Key)
	}
}
