package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// FileSourceConfig is a directory connector: each *.json file is one request, each line of a
// *.jsonl file is one. A file is one unit of work: once all its requests are committed it
// moves to done_dir (or is deleted), so a restart does not redo it; a file that is not valid
// JSON moves to failed_dir at once, with the reason beside it in <name>.error, instead of
// stopping every later poll (the reference's poison file).
type FileSourceConfig struct {
	Dir       string `yaml:"dir" json:"dir"`
	Pattern   string `yaml:"pattern" json:"pattern"`
	DoneDir   string `yaml:"done_dir" json:"done_dir"`
	FailedDir string `yaml:"failed_dir" json:"failed_dir"`
	// Delete removes finished files instead of moving them to done_dir.
	Delete bool `yaml:"delete" json:"delete"`
	// Interval is the wait between scans that found nothing.
	Interval Duration `yaml:"interval" json:"interval"`
	// MaxPoll stops a poll from taking more files once it holds this many requests (a
	// file is never split).
	MaxPoll int `yaml:"max_poll" json:"max_poll"`
}

// Defaults fills unset fields.
func (c *FileSourceConfig) Defaults() {
	if c.Pattern == "" {
		c.Pattern = "*.json*"
	}
	if c.DoneDir == "" && !c.Delete && c.Dir != "" {
		c.DoneDir = filepath.Join(c.Dir, "done")
	}
	if c.FailedDir == "" && c.Dir != "" {
		c.FailedDir = filepath.Join(c.Dir, "failed")
	}
	if c.Interval == 0 {
		c.Interval = Duration(time.Second)
	}
	if c.MaxPoll == 0 {
		c.MaxPoll = 64
	}
}

// Validate reports every bad field.
func (c FileSourceConfig) Validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New(`dir: "" is not allowed (want the directory requests arrive in)`))
	}
	if _, err := filepath.Match(c.Pattern, ""); err != nil || strings.ContainsRune(c.Pattern, filepath.Separator) {
		errs = append(errs, fmt.Errorf("pattern: %q is not allowed (want a file name glob such as *.json*)", c.Pattern))
	}
	if c.Delete && c.DoneDir != "" {
		errs = append(errs, fmt.Errorf("done_dir, delete: both are set (finished files are either moved to %q or deleted)", c.DoneDir))
	}
	if c.Interval.D() < 10*time.Millisecond || c.Interval.D() > time.Hour {
		errs = append(errs, fmt.Errorf("interval: %s is not allowed (want 10ms..1h)", c.Interval.D()))
	}
	if c.MaxPoll < 1 || c.MaxPoll > 100000 {
		errs = append(errs, fmt.Errorf("max_poll: %d is not allowed (want 1..100000)", c.MaxPoll))
	}
	return errors.Join(errs...)
}

// FileSource reads requests from a directory.
type FileSource struct {
	cfg FileSourceConfig
	log *slog.Logger

	mu       sync.Mutex
	inFlight map[string]*fileWork // by file name, handed out and not yet finished
}

type fileWork struct {
	left map[int]bool // request indexes not yet committed
}

// fileCommit is a Delivery's bookkeeping: its file and its index within it.
type fileCommit struct {
	name  string
	index int
}

// NewFileSource checks the directory exists and creates done_dir and failed_dir.
func NewFileSource(cfg FileSourceConfig, log *slog.Logger) (*FileSource, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(cfg.Dir); err != nil {
		return nil, fmt.Errorf("dir: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("dir: %q is not a directory", cfg.Dir)
	}
	for _, d := range []string{cfg.DoneDir, cfg.FailedDir} {
		if d != "" {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, err
			}
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &FileSource{cfg: cfg, log: log, inFlight: map[string]*fileWork{}}, nil
}

// Poll scans the directory (in name order) until it finds requests or ctx ends.
func (s *FileSource) Poll(ctx context.Context) ([]Delivery, error) {
	for {
		ds, err := s.scan()
		if err != nil || len(ds) > 0 {
			return ds, err
		}
		if !sleep(ctx, s.cfg.Interval.D()) {
			return nil, ctx.Err()
		}
	}
}

func (s *FileSource) scan() ([]Delivery, error) {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("file source %s: %w", s.cfg.Dir, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var ds []Delivery
	for _, e := range entries {
		name := e.Name()
		if len(ds) >= s.cfg.MaxPoll {
			break
		}
		if ok, _ := filepath.Match(s.cfg.Pattern, name); !ok || !e.Type().IsRegular() || strings.HasPrefix(name, ".") {
			continue
		}
		s.mu.Lock()
		busy := s.inFlight[name] != nil
		s.mu.Unlock()
		if busy {
			continue
		}
		values, err := readRequests(filepath.Join(s.cfg.Dir, name))
		if err != nil {
			s.fail(name, err)
			continue
		}
		if len(values) == 0 { // nothing in it: finished as is
			s.finish(name)
			continue
		}
		w := &fileWork{left: map[int]bool{}}
		for i, v := range values {
			w.left[i] = true
			ds = append(ds, Delivery{
				Message: Message{Key: fileKey(name, i, v), Value: v, Time: time.Now().UTC()},
				Origin:  fmt.Sprintf("file:%s#%d", name, i+1),
				commit:  fileCommit{name, i},
			})
		}
		s.mu.Lock()
		s.inFlight[name] = w
		s.mu.Unlock()
	}
	return ds, nil
}

// readRequests reads one JSON value from a .json file, or one per non-empty line from a
// .jsonl file.
func readRequests(path string) ([]json.RawMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(path, ".jsonl") {
		data = bytes.TrimSpace(data)
		if !json.Valid(data) {
			return nil, errors.New("not a JSON document")
		}
		return []json.RawMessage{data}, nil
	}
	var out []json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if !json.Valid(b) {
			return nil, fmt.Errorf("line %d: not a JSON document", line)
		}
		out = append(out, json.RawMessage(bytes.Clone(b)))
	}
	return out, sc.Err()
}

// fileKey is the request's own "key" (or "id") string when it has one; otherwise it is
// deterministic in the file's name, the request's place and its content, so the same file
// re-read after a crash yields the same keys while a new file reusing an old name does not
// collide with it.
func fileKey(name string, i int, v []byte) string {
	if s, ok := requestKey(v); ok {
		return s
	}
	h := sha256.Sum256(v)
	return fmt.Sprintf("file:%s#%d:%s", name, i+1, hex.EncodeToString(h[:6]))
}

// fail moves a malformed file to failed_dir with the reason in <name>.error.
func (s *FileSource) fail(name string, reason error) {
	s.log.Error("malformed request file moved aside", "file", name, "to", s.cfg.FailedDir, "error", reason)
	dst := uniquePath(s.cfg.FailedDir, name)
	if err := os.Rename(filepath.Join(s.cfg.Dir, name), dst); err != nil {
		s.log.Error("moving a malformed file", "file", name, "error", err)
		return
	}
	_ = os.WriteFile(dst+".error", []byte(reason.Error()+"\n"), 0o644)
}

// finish moves (or deletes) a file whose requests are all committed.
func (s *FileSource) finish(name string) error {
	src := filepath.Join(s.cfg.Dir, name)
	if s.cfg.Delete {
		return os.Remove(src)
	}
	return os.Rename(src, uniquePath(s.cfg.DoneDir, name))
}

// uniquePath is dir/name, or dir/name.<n> when that exists already.
func uniquePath(dir, name string) string {
	p := filepath.Join(dir, name)
	for n := 1; ; n++ {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
		p = filepath.Join(dir, fmt.Sprintf("%s.%d", name, n))
	}
}

// Commit marks requests done and finishes the files they complete.
func (s *FileSource) Commit(_ context.Context, ds []Delivery) error {
	var done []string
	s.mu.Lock()
	for _, d := range ds {
		fc, ok := d.commit.(fileCommit)
		if !ok {
			s.mu.Unlock()
			return fmt.Errorf("file commit: delivery %q is not from a file source", d.Origin)
		}
		w := s.inFlight[fc.name]
		if w == nil {
			continue
		}
		delete(w.left, fc.index)
		if len(w.left) == 0 {
			delete(s.inFlight, fc.name)
			done = append(done, fc.name)
		}
	}
	s.mu.Unlock()
	var errs []error
	for _, name := range done {
		if err := s.finish(name); err != nil {
			errs = append(errs, fmt.Errorf("file commit %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Check reports whether the directory is there.
func (s *FileSource) Check(context.Context) error {
	fi, err := os.Stat(s.cfg.Dir)
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("%s is not a directory", s.cfg.Dir)
	}
	return err
}

// Close forgets what is in flight: those files are read again by the next source.
func (s *FileSource) Close() error { return nil }
