package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mfn/internal/buildinfo"
)

func TestLoadConfigExample(t *testing.T) {
	needKafka(t)
	t.Setenv("MFN_WEBHOOK_SECRET", "s3cret")
	cfg, err := LoadConfig(filepath.Join("..", "deploy", "integrations.example.yaml"))
	if err != nil {
		t.Fatalf("the example file does not validate:\n%v", err)
	}
	if len(cfg.Connectors) != 3 || len(cfg.Publishers) != 3 || len(cfg.Routes) != 4 {
		t.Fatalf("decoded %d connectors, %d publishers, %d routes; want 3, 3, 4", len(cfg.Connectors), len(cfg.Publishers), len(cfg.Routes))
	}
	res := cfg.Publishers[0]
	if res.Spool.Dir != filepath.Join("/var/lib/mfn/spool", "results") {
		t.Errorf("results spool dir %q, want <spool_dir>/results", res.Spool.Dir)
	}
	if res.Retry.MaxAttempts != 8 || res.Retry.Initial.D() != 200*time.Millisecond || !res.Required || !res.Options().Required {
		t.Errorf("results options %+v: overrides lost", res.Options())
	}
	def := DefaultPublisherOptions()
	arch := cfg.Publishers[2]
	if arch.Retry != def.Retry || arch.Breaker != def.Breaker {
		t.Errorf("archive took retry %+v breaker %+v, want the defaults %+v %+v", arch.Retry, arch.Breaker, def.Retry, def.Breaker)
	}
	if arch.Batch.Size != 1000 || arch.Spool.MaxBytes != 268435456 {
		t.Errorf("archive batch %+v spool %+v: overrides lost", arch.Batch, arch.Spool)
	}
	if k := cfg.Connectors[0].Kafka; k.Start != "earliest" || k.SessionTimeout.D() != 45*time.Second {
		t.Errorf("kafka connector defaults not filled: %+v", k)
	}
	if got := cfg.Route("jobs"); len(got) != 2 || got[0] != "features" {
		t.Errorf("Route(jobs) = %v", got)
	}
}

// TestParseConfigPartialOverride: a block that sets one field keeps the defaults of the
// others.
func TestParseConfigPartialOverride(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
spool_dir: /tmp/s
publishers:
  - name: out
    type: file
    file: {dir: /tmp/out}
    retry: {max_attempts: 9}
    batch: {linger: 1s}
`))
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultPublisherOptions()
	p := cfg.Publishers[0]
	if p.Retry.MaxAttempts != 9 || p.Retry.Initial != def.Retry.Initial || p.Retry.Max != def.Retry.Max || p.Retry.Jitter != def.Retry.Jitter {
		t.Errorf("retry %+v, want max_attempts 9 and the other defaults %+v", p.Retry, def.Retry)
	}
	if p.Batch.Linger.D() != time.Second || p.Batch.Size != def.Batch.Size {
		t.Errorf("batch %+v, want linger 1s and size %d", p.Batch, def.Batch.Size)
	}
}

func TestParseConfigJSON(t *testing.T) {
	needKafka(t)
	cfg, err := ParseConfig([]byte(`{"spool_dir": "/tmp/s",
  "connectors": [{"name": "in", "type": "file", "file": {"dir": "/tmp/in"}}],
  "publishers": [{"name": "out", "type": "kafka", "kafka": {"brokers": ["127.0.0.1:9092"], "topic": "r"},
                  "breaker": {"open_timeout": "3s"}}],
  "routes": [{"from": "in", "to": ["out"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Publishers[0].Breaker.OpenTimeout.D() != 3*time.Second || cfg.Publishers[0].Breaker.Failures != DefaultPublisherOptions().Breaker.Failures {
		t.Errorf("breaker %+v", cfg.Publishers[0].Breaker)
	}
	if cfg.Connectors[0].File.DoneDir != filepath.Join("/tmp/in", "done") {
		t.Errorf("file connector done_dir %q, want <dir>/done", cfg.Connectors[0].File.DoneDir)
	}
}

const goodPub = `
  - name: out
    type: file
    file: {dir: /tmp/out}`

func TestParseConfigErrors(t *testing.T) {
	needKafka(t)
	t.Setenv("MFN_TEST_SECRET", "x")
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"empty", ``, []string{"empty"}},
		{"nothing", `spool_dir: /tmp/s`, []string{"connectors, publishers: both are empty"}},
		{"bad url", `spool_dir: /s
publishers:` + goodPub + `
  - name: results
    type: webhook
    webhook: {url: "htp://x", secret_env: MFN_TEST_SECRET}`,
			[]string{`publishers[1] "results": webhook.url: "htp://x"`, "absolute http"}},
		{"unknown field", `spool_dir: /s
publishers:
  - name: results
    type: webhook
    webhook:
      url: https://x
      urll: https://y`,
			[]string{`publishers[0] "results": webhook.urll: field urll not found`, "line 7"}},
		{"unknown top-level", "spool_dirs: /s\n", []string{"spool_dirs: field spool_dirs not found"}},
		{"bare number duration", `spool_dir: /s
publishers:
  - name: out
    type: file
    file: {dir: /tmp/out}
    retry: {initial: 100}`,
			[]string{`publishers[0] "out": retry.initial: invalid duration "100"`}},
		{"wrong scalar type", `spool_dir: /s
connectors:
  - name: jobs
    type: kafka
    kafka: {brokers: [a:1], topics: [t], group: g, max_poll: many}`,
			[]string{`connectors[0] "jobs": kafka.max_poll: cannot unmarshal`}},
		{"duplicate names", `spool_dir: /s
publishers:` + goodPub + goodPub, []string{`publishers[1] "out": name: "out" is used by an earlier entry`, "spool.dir"}},
		{"unknown type", `spool_dir: /s
publishers:
  - name: out
    type: ftp`, []string{`publishers[0] "out": type: "ftp" is not allowed (want one of webhook, kafka, file)`}},
		{"missing block", `spool_dir: /s
publishers:
  - name: out
    type: kafka`, []string{`publishers[0] "out": kafka: missing`}},
		{"two blocks", `spool_dir: /s
publishers:
  - name: out
    type: file
    file: {dir: /o}
    kafka: {brokers: [a:1], topic: t}`, []string{`publishers[0] "out": kafka: not allowed for type file`}},
		{"no spool", `publishers:` + goodPub, []string{`publishers[0] "out": spool.dir: "" is not allowed (set spool.dir, or the top-level spool_dir`}},
		{"bad option", `spool_dir: /s
publishers:
  - name: out
    type: file
    file: {dir: /o}
    batch: {size: 0}`, []string{`publishers[0] "out": batch.size: 0 is not allowed`}},
		{"route to nowhere", `spool_dir: /s
publishers:` + goodPub + `
routes:
  - from: simulate
    to: [out, resluts]
  - from: jobz
    to: [out]`, []string{`routes[0] "simulate": to[1]: "resluts" is not a publisher (publishers: "out")`,
			`routes[1] "jobz": from: "jobz" is neither simulate, stream nor a connector`}},
		{"reserved name", `connectors:
  - name: simulate
    type: file
    file: {dir: /in}`, []string{`connectors[0] "simulate": name: "simulate" is reserved`}},
		{"bad connector", `connectors:
  - name: q
    type: rest
    rest: {url: "ftp://q", max_conns: 0, interval: 1ms}`, []string{`connectors[0] "q": rest.url: "ftp://q"`, `connectors[0] "q": rest.interval: 1ms`}},
		{"kafka connector", `connectors:
  - name: k
    type: kafka
    kafka: {brokers: [a:1], topics: [t], start: middle}`, []string{`connectors[0] "k": kafka.group: must be set`}},
		{"file pattern", `connectors:
  - name: f
    type: file
    file: {dir: /in, pattern: "[", delete: true}`, []string{`connectors[0] "f": file.pattern: "["`}},
		{"two documents", "spool_dir: /s\n---\nspool_dir: /t\n", []string{"more than one YAML document"}},
		{"webhook secret env unset", `spool_dir: /s
publishers:
  - name: hook
    type: webhook
    webhook: {url: "https://x", secret_env: MFN_UNSET_SECRET_FOR_TEST}`, []string{`publishers[0] "hook": webhook.secret_env: the environment variable MFN_UNSET_SECRET_FOR_TEST is not set`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("ParseConfig accepted:\n%s", tc.yaml)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("LoadConfig of a missing file: %v, want an error naming it", err)
	}
}

// FuzzParseConfig: any input either parses into a configuration whose publishers all have
// valid options and a spool, or is refused with an error; never a panic.
func FuzzParseConfig(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "deploy", "integrations.example.yaml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"spool_dir":"/s","publishers":[{"name":"o","type":"file","file":{"dir":"/o"}}],"routes":[{"from":"simulate","to":["o"]}]}`))
	f.Add([]byte("spool_dir: /s\npublishers:\n  - name: o\n    type: file\n    file: {dir: /o}\n    retry: {initial: 1s}\n"))
	f.Add([]byte("connectors:\n  - name: k\n    type: kafka\n    kafka: {brokers: [a:1], topics: [t], group: g}\n"))
	f.Add([]byte("connectors: [{name: r, type: rest, rest: {url: 'http://x'}}]"))
	f.Add([]byte("publishers: [&a {name: x}, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, p := range cfg.Publishers {
			if err := p.Options().Validate(); err != nil {
				t.Fatalf("accepted publisher %q with invalid options: %v", p.Name, err)
			}
		}
		for _, r := range cfg.Routes {
			if len(r.To) == 0 {
				t.Fatalf("accepted route %q with no publishers", r.From)
			}
		}
	})
}

// needKafka skips a test whose configurations name Kafka entries in a build without Kafka
// (kafka_off_test.go checks that such entries are refused there).
func needKafka(t *testing.T) {
	t.Helper()
	if !buildinfo.Has("kafka") {
		t.Skip("the configuration names Kafka entries: built with -tags nokafka")
	}
}
