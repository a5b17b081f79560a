package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the one integrations file (YAML, or JSON, which YAML reads too): the connectors
// that bring requests in, the publishers that take results out, and the routes between them.
type Config struct {
	// SpoolDir is the root under which each publisher without its own spool.dir gets
	// <spool_dir>/<name>.
	SpoolDir string `yaml:"spool_dir" json:"spool_dir"`
	// HealthInterval is how often the hub probes every target (default 10s).
	HealthInterval Duration          `yaml:"health_interval" json:"health_interval"`
	Connectors     []ConnectorConfig `yaml:"connectors" json:"connectors"`
	Publishers     []PublisherConfig `yaml:"publishers" json:"publishers"`
	Routes         []RouteConfig     `yaml:"routes" json:"routes"`
}

// ConnectorConfig names one connector; exactly the block matching Type is set.
type ConnectorConfig struct {
	Name  string             `yaml:"name" json:"name"`
	Type  string             `yaml:"type" json:"type"`
	Kafka *KafkaSourceConfig `yaml:"kafka" json:"kafka,omitempty"`
	REST  *RESTSourceConfig  `yaml:"rest" json:"rest,omitempty"`
	File  *FileSourceConfig  `yaml:"file" json:"file,omitempty"`
}

// PublisherConfig names one publisher: its target (the block matching Type) and its
// reliability settings, which default to DefaultPublisherOptions field by field.
type PublisherConfig struct {
	Name     string           `yaml:"name" json:"name"`
	Type     string           `yaml:"type" json:"type"`
	Required bool             `yaml:"required" json:"required"`
	Webhook  *WebhookConfig   `yaml:"webhook" json:"webhook,omitempty"`
	Kafka    *KafkaSinkConfig `yaml:"kafka" json:"kafka,omitempty"`
	File     *FileSinkConfig  `yaml:"file" json:"file,omitempty"`
	Retry    RetryOptions     `yaml:"retry" json:"retry"`
	Breaker  BreakerOptions   `yaml:"breaker" json:"breaker"`
	Batch    BatchOptions     `yaml:"batch" json:"batch"`
	Spool    SpoolOptions     `yaml:"spool" json:"spool"`
}

// Options are the publisher's reliability settings as NewPublisher takes them.
func (p PublisherConfig) Options() PublisherOptions {
	return PublisherOptions{Required: p.Required, Retry: p.Retry, Breaker: p.Breaker, Batch: p.Batch, Spool: p.Spool}
}

// RouteConfig sends what comes from From (simulate, stream, or a connector's name) to the
// publishers To.
type RouteConfig struct {
	From string   `yaml:"from" json:"from"`
	To   []string `yaml:"to" json:"to"`
}

// Built-in route sources: results of POST /simulate, and of streamed runs.
const (
	RouteSimulate = "simulate"
	RouteStream   = "stream"
)

// Route returns the publishers of a route source (nil if it has no route).
func (c Config) Route(from string) []string {
	for _, r := range c.Routes {
		if r.From == from {
			return r.To
		}
	}
	return nil
}

// LoadConfig reads and validates the integrations file at path.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("integrations config: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("integrations config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes and validates an integrations file: unknown fields are errors, every
// error names the entry (publishers[1] "results") and its field, and defaults are filled
// in. All problems are reported at once, one per line.
func ParseConfig(data []byte) (Config, error) {
	var cfg Config
	var root yaml.Node
	if err := decodeStrict(data, &cfg); err != nil {
		if yaml.Unmarshal(data, &root) != nil {
			return Config{}, err
		}
		return Config{}, locateErrors(err, &root)
	}
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, err
	}
	// Publisher options default field by field: decode each entry again over the defaults
	// (unknown fields were refused above, so this pass need not be strict).
	if pubs := sectionItems(&root, "publishers"); len(pubs) == len(cfg.Publishers) {
		for i, n := range pubs {
			d := DefaultPublisherOptions()
			opts := struct {
				Retry   *RetryOptions   `yaml:"retry"`
				Breaker *BreakerOptions `yaml:"breaker"`
				Batch   *BatchOptions   `yaml:"batch"`
				Spool   *SpoolOptions   `yaml:"spool"`
			}{&d.Retry, &d.Breaker, &d.Batch, &d.Spool}
			if err := n.Decode(&opts); err != nil {
				return Config{}, locateErrors(err, &root)
			}
			p := &cfg.Publishers[i]
			p.Retry, p.Breaker, p.Batch, p.Spool = d.Retry, d.Breaker, d.Batch, d.Spool
		}
	}
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// decodeStrict decodes exactly one YAML/JSON document into v, refusing unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("the file is empty (want connectors, publishers and routes)")
		}
		return err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("more than one YAML document (want exactly one)")
	}
	return nil
}

// UnmarshalYAML reads a duration from Go duration text only: a bare number is refused, not
// taken as nanoseconds. Its error is a *yaml.TypeError so that decoding goes on and every
// bad field is reported at once.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var err error
	if n.Kind != yaml.ScalarNode {
		err = errors.New("want a duration such as 500ms, 2s or 1m")
	} else {
		err = d.UnmarshalText([]byte(n.Value))
	}
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: column %d: %v", n.Line, n.Column, err)}}
	}
	return nil
}

var lineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (?:column (\d+): )?(.*)$`)

// locateErrors rewrites the decoder's "line N: …" errors to name the entry and the field
// the line belongs to.
func locateErrors(err error, root *yaml.Node) error {
	var lines []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l
		m := lineRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2]) // 0 when the decoder did not say
		msg := strings.TrimPrefix(m[3], "yaml: ")
		entry, path := locate(root, line, col)
		switch {
		case entry != "" && path != "":
			out[i] = fmt.Sprintf("%s: %s: %s (line %d)", entry, path, msg, line)
		case entry != "":
			out[i] = fmt.Sprintf("%s: %s (line %d)", entry, msg, line)
		case path != "":
			out[i] = fmt.Sprintf("%s: %s (line %d)", path, msg, line)
		default:
			out[i] = fmt.Sprintf("line %d: %s", line, msg)
		}
	}
	return errors.New(strings.Join(out, "\n"))
}

// locate finds the entry (publishers[1] "results") and the dotted field path within it
// (webhook.url) of the key or value at line.
func locate(root *yaml.Node, line, col int) (entry, path string) {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return "", ""
	}
	for k := 0; k+1 < len(doc.Content); k += 2 {
		key, val := doc.Content[k], doc.Content[k+1]
		if val.Kind != yaml.SequenceNode {
			if key.Line == line || val.Line == line {
				return "", key.Value
			}
			continue
		}
		for i, item := range val.Content {
			if line < item.Line || !nodeSpans(item, line) {
				continue
			}
			entry = fmt.Sprintf("%s[%d]", key.Value, i)
			if name := mapValue(item, "name"); name != "" {
				entry += " " + strconv.Quote(name)
			}
			return entry, fieldAt(item, line, col, "")
		}
		if key.Line == line {
			return "", key.Value
		}
	}
	return "", ""
}

// nodeSpans reports whether line falls within n (its first line to its last descendant's).
func nodeSpans(n *yaml.Node, line int) bool {
	last := n.Line
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		last = max(last, n.Line)
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return line >= n.Line && line <= last
}

// fieldAt is the deepest dotted key path in mapping n whose key or value sits at line (and
// col, when known: flow mappings put several fields on one line).
func fieldAt(n *yaml.Node, line, col int, prefix string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	best := ""
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		p := key.Value
		if prefix != "" {
			p = prefix + "." + key.Value
		}
		if val.Kind == yaml.MappingNode && nodeSpans(val, line) {
			if deeper := fieldAt(val, line, col, p); deeper != "" {
				return deeper
			}
		}
		if col > 0 {
			if val.Line == line && val.Column == col {
				return p
			}
			continue
		}
		if key.Line == line || (val.Line == line && val.Kind == yaml.ScalarNode) || (val.Kind == yaml.SequenceNode && nodeSpans(val, line)) {
			best = p
		}
	}
	return best
}

func mapValue(n *yaml.Node, key string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		if n.Content[k].Value == key && n.Content[k+1].Kind == yaml.ScalarNode {
			return n.Content[k+1].Value
		}
	}
	return ""
}

// sectionItems returns the items of a top-level sequence (nil if absent).
func sectionItems(root *yaml.Node, section string) []*yaml.Node {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	for k := 0; k+1 < len(doc.Content); k += 2 {
		if doc.Content[k].Value == section && doc.Content[k+1].Kind == yaml.SequenceNode {
			return doc.Content[k+1].Content
		}
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// validate checks the decoded file and fills defaults, collecting every problem.
func (c *Config) validate() error {
	var errs []error
	add := func(entry string, err error) {
		if err == nil {
			return
		}
		for _, e := range splitErrors(err) {
			errs = append(errs, fmt.Errorf("%s: %w", entry, e))
		}
	}
	if c.HealthInterval == 0 {
		c.HealthInterval = Duration(10 * time.Second)
	}
	if d := c.HealthInterval.D(); d < 100*time.Millisecond || d > time.Hour {
		errs = append(errs, fmt.Errorf("health_interval: %s is not allowed (want 100ms..1h)", d))
	}
	if len(c.Connectors) == 0 && len(c.Publishers) == 0 {
		errs = append(errs, errors.New("connectors, publishers: both are empty (want at least one of them)"))
	}

	connectors := map[string]bool{}
	for i := range c.Connectors {
		cc := &c.Connectors[i]
		entry := entryName("connectors", i, cc.Name)
		add(entry, checkName(cc.Name, connectors, RouteSimulate, RouteStream))
		blocks := map[string]bool{"kafka": cc.Kafka != nil, "rest": cc.REST != nil, "file": cc.File != nil}
		if err := checkType(cc.Type, blocks, "kafka", "rest", "file"); err != nil {
			add(entry, err)
			continue
		}
		switch cc.Type {
		case "kafka":
			cc.Kafka.Defaults()
			add(entry, prefixErr("kafka", cc.Kafka.Validate()))
		case "rest":
			cc.REST.Defaults()
			add(entry, prefixErr("rest", cc.REST.Validate()))
		case "file":
			cc.File.Defaults()
			add(entry, prefixErr("file", cc.File.Validate()))
		}
	}

	publishers := map[string]bool{}
	spools := map[string]string{}
	for i := range c.Publishers {
		pc := &c.Publishers[i]
		entry := entryName("publishers", i, pc.Name)
		add(entry, checkName(pc.Name, publishers))
		blocks := map[string]bool{"webhook": pc.Webhook != nil, "kafka": pc.Kafka != nil, "file": pc.File != nil}
		if err := checkType(pc.Type, blocks, "webhook", "kafka", "file"); err == nil {
			switch pc.Type {
			case "webhook":
				add(entry, prefixErr("webhook", pc.Webhook.Validate()))
			case "kafka":
				pc.Kafka.Defaults()
				add(entry, prefixErr("kafka", pc.Kafka.Validate()))
			case "file":
				add(entry, prefixErr("file", pc.File.Validate()))
			}
		} else {
			add(entry, err)
		}
		if pc.Spool.Dir == "" && c.SpoolDir != "" && nameRE.MatchString(pc.Name) {
			pc.Spool.Dir = filepath.Join(c.SpoolDir, pc.Name)
		}
		if pc.Spool.Dir == "" {
			add(entry, errors.New(`spool.dir: "" is not allowed (set spool.dir, or the top-level spool_dir for <spool_dir>/<name>)`))
		} else {
			abs, _ := filepath.Abs(pc.Spool.Dir)
			if other, dup := spools[abs]; dup {
				add(entry, fmt.Errorf("spool.dir: %q is already the spool of %s (each publisher needs its own)", pc.Spool.Dir, other))
			}
			spools[abs] = strconv.Quote(pc.Name)
		}
		if err := pc.Options().Validate(); err != nil {
			for _, e := range splitErrors(err) {
				if !strings.HasPrefix(e.Error(), "spool.dir:") { // reported above, with the remedy
					add(entry, e)
				}
			}
		}
	}

	froms := map[string]bool{}
	for i, r := range c.Routes {
		entry := fmt.Sprintf("routes[%d]", i)
		if r.From != "" {
			entry += " " + strconv.Quote(r.From)
		}
		switch {
		case r.From == "":
			add(entry, fmt.Errorf(`from: "" is not allowed (want %s, %s or a connector's name)`, RouteSimulate, RouteStream))
		case r.From != RouteSimulate && r.From != RouteStream && !connectors[r.From]:
			add(entry, fmt.Errorf("from: %q is neither %s, %s nor a connector (connectors: %s)", r.From, RouteSimulate, RouteStream, names(connectors)))
		case froms[r.From]:
			add(entry, fmt.Errorf("from: %q already has a route (list all its publishers in one to)", r.From))
		}
		froms[r.From] = true
		if len(r.To) == 0 {
			add(entry, errors.New("to: empty (want at least one publisher)"))
		}
		seen := map[string]bool{}
		for j, to := range r.To {
			if !publishers[to] {
				add(entry, fmt.Errorf("to[%d]: %q is not a publisher (publishers: %s)", j, to, names(publishers)))
			} else if seen[to] {
				add(entry, fmt.Errorf("to[%d]: %q is listed twice", j, to))
			}
			seen[to] = true
		}
	}
	return errors.Join(errs...)
}

func entryName(section string, i int, name string) string {
	if name == "" {
		return fmt.Sprintf("%s[%d]", section, i)
	}
	return fmt.Sprintf("%s[%d] %q", section, i, name)
}

// checkName validates an entry's name and records it in seen.
func checkName(name string, seen map[string]bool, reserved ...string) error {
	switch {
	case name == "":
		return errors.New(`name: "" is not allowed (want a name such as "results")`)
	case !nameRE.MatchString(name):
		return fmt.Errorf("name: %q is not allowed (want 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit)", name)
	case seen[name]:
		return fmt.Errorf("name: %q is used by an earlier entry (names must be unique)", name)
	}
	for _, r := range reserved {
		if name == r {
			return fmt.Errorf("name: %q is reserved for the built-in route source", name)
		}
	}
	seen[name] = true
	return nil
}

// checkType checks that typ is known and that exactly its block is set.
func checkType(typ string, blocks map[string]bool, allowed ...string) error {
	known := false
	for _, a := range allowed {
		known = known || typ == a
	}
	if !known {
		return fmt.Errorf("type: %q is not allowed (want one of %s)", typ, strings.Join(allowed, ", "))
	}
	var errs []error
	if !blocks[typ] {
		errs = append(errs, fmt.Errorf("%s: missing (type %s needs its %s block)", typ, typ, typ))
	}
	for _, a := range allowed {
		if a != typ && blocks[a] {
			errs = append(errs, fmt.Errorf("%s: not allowed for type %s (want only the %s block)", a, typ, typ))
		}
	}
	return errors.Join(errs...)
}

// prefixErr puts block. before each of err's field errors.
func prefixErr(block string, err error) error {
	if err == nil {
		return nil
	}
	var out []error
	for _, e := range splitErrors(err) {
		out = append(out, fmt.Errorf("%s.%w", block, e))
	}
	return errors.Join(out...)
}

// splitErrors unpacks errors.Join.
func splitErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, splitErrors(e)...)
		}
		return out
	}
	return []error{err}
}

func names(set map[string]bool) string {
	if len(set) == 0 {
		return "none"
	}
	var out []string
	for n := range set {
		out = append(out, strconv.Quote(n))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
