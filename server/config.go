package server

import (
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"mfn/internal/buildinfo"
)

// Config is the service's configuration, read from the environment once at start-up by
// LoadConfig. The variables of the reference (spec §2.1) keep their names and defaults; a bad
// or unknown value is an error instead of a silent fallback (docs/adr/0010).
type Config struct {
	Env string // dev, staging or prod

	APIKeyRequired bool
	APIKeys        []string // MFN_API_KEY, then MFN_API_KEYS (and the dev key in dev without keys)
	APIKeysFile    string

	RateLimitEnabled  bool
	RateLimitRequests int
	RateLimitWindow   time.Duration
	RateLimitRoutes   map[string]int // route → capacity per window (reference defaults, then MFN_RATE_LIMIT_ROUTES)
	// Shared limits across replicas (redislimit.go); empty URL: each replica limits alone.
	RateLimitRedisURL      string
	RateLimitRedisFailOpen bool
	RateLimitRedisTimeout  time.Duration
	TrustedProxies         []netip.Prefix

	LogLevel       slog.Level
	LogFormat      string        // json or text
	LogFlush       time.Duration // batching of log writes to a file; 0: one write per line
	AccessLog      AccessLogMode // MFN_ACCESS_LOG: all, errors or sampled:N
	MetricsEnabled bool
	CORSOrigins    []string

	CryptoEnabled      bool
	CryptoAlgorithm    string
	CryptoKeySize      int
	CryptoSignatureAlg string
	CryptoAuditLog     bool
	CryptoKeyFile      string

	MaxBodyBytes    int64
	HandlerTimeout  time.Duration
	Workers         int
	QueueSize       int
	ShutdownTimeout time.Duration
	ShutdownDelay   time.Duration
	ReloadInterval  time.Duration

	TLSCertFile, TLSKeyFile string

	Tracing TracingConfig

	Streams StreamConfig // MFN_STREAM_* (streams.go)

	Limits LimitsConfig // MFN_AGGREGATE_*, MFN_AUTH_FAILURE_* (limits_config.go)
}

// devAPIKey is the reference's convenience key, accepted in dev when no key is configured.
const devAPIKey = "dev-key-for-testing"

// ConfigError lists every problem found in the environment, one per line.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	return "invalid configuration:\n  " + strings.Join(e.Problems, "\n  ")
}

// problems collects configuration errors while parsing.
type problems struct {
	getenv func(string) string
	list   []string
}

func (p *problems) addf(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// boolean parses a BOOL variable: true/false, 1/0, yes/no, on/off (any case); unset or empty
// means def.
func (p *problems) boolean(name string, def bool) bool {
	v := strings.TrimSpace(p.getenv(name))
	switch strings.ToLower(v) {
	case "":
		return def
	case "true", "1", "yes", "on":
		return true
	case "false", "0", "no", "off":
		return false
	}
	p.addf("%s=%q: must be a boolean (true, false, 1, 0, yes, no, on, off)", name, v)
	return def
}

// integer parses an integer variable in [lo, hi].
func (p *problems) integer(name string, def, lo, hi int) int {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.addf("%s=%q: must be an integer in [%d, %d]", name, v, lo, hi)
		return def
	}
	return n
}

// duration parses a duration: a Go duration ("90s", "2m") or, for the reference's
// MFN_RATE_LIMIT_WINDOW, a whole number of seconds.
func (p *problems) duration(name string, def, lo, hi time.Duration) time.Duration {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if n, aerr := strconv.Atoi(v); aerr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	if err != nil || d < lo || d > hi {
		p.addf("%s=%q: must be a duration in [%v, %v] (whole seconds, or with a unit: 500ms, 30s, 2m)", name, v, lo, hi)
		return def
	}
	return d
}

// oneOf parses a variable that takes one of the allowed values (compared after fold).
func (p *problems) oneOf(name, def string, fold func(string) string, allowed ...string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	if slices.Contains(allowed, fold(v)) {
		return fold(v)
	}
	p.addf("%s=%q: must be one of %s", name, v, strings.Join(allowed, ", "))
	return def
}

func identity(s string) string { return s }

// list splits a comma-separated variable, trimming items and dropping empty ones.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// LoadConfig reads and validates the configuration. Every problem is reported at once, each
// naming the variable, the value and what is allowed.
func LoadConfig(getenv func(string) string) (Config, error) {
	p := &problems{getenv: getenv}
	c := Config{}
	c.Env = p.oneOf("MFN_ENV", "dev", strings.ToLower, "dev", "staging", "prod")
	dev := c.Env == "dev"

	c.APIKeyRequired = p.boolean("MFN_API_KEY_REQUIRED", !dev)
	if k := getenv("MFN_API_KEY"); k != "" {
		c.APIKeys = append(c.APIKeys, k)
	}
	c.APIKeys = append(c.APIKeys, list(getenv("MFN_API_KEYS"))...)
	c.APIKeysFile = strings.TrimSpace(getenv("MFN_API_KEYS_FILE"))
	if dev && len(c.APIKeys) == 0 && c.APIKeysFile == "" {
		c.APIKeys = []string{devAPIKey}
	}
	if c.APIKeyRequired && len(c.APIKeys) == 0 && c.APIKeysFile == "" {
		p.addf("MFN_API_KEY_REQUIRED=true: set MFN_API_KEY, MFN_API_KEYS or MFN_API_KEYS_FILE")
	}

	c.RateLimitEnabled = p.boolean("MFN_RATE_LIMIT_ENABLED", !dev)
	c.RateLimitRequests = p.integer("MFN_RATE_LIMIT_REQUESTS", 100, 1, 1_000_000_000)
	c.RateLimitWindow = p.duration("MFN_RATE_LIMIT_WINDOW", 60*time.Second, time.Second, 24*time.Hour)
	c.RateLimitRoutes = parseRouteLimits(p, getenv("MFN_RATE_LIMIT_ROUTES"))
	c.RateLimitRedisURL = strings.TrimSpace(getenv("MFN_RATE_LIMIT_REDIS_URL"))
	if c.RateLimitRedisURL != "" {
		if _, err := parseRedisURL(c.RateLimitRedisURL); err != nil {
			p.addf("MFN_RATE_LIMIT_REDIS_URL=%q is not allowed: %v", redactURL(c.RateLimitRedisURL), err)
		}
	}
	if c.RateLimitRedisURL != "" && !buildinfo.Has("redis") {
		p.addf("MFN_RATE_LIMIT_REDIS_URL is set, but %v (or unset it: per-replica limits)", buildinfo.Missing("redis"))
	}
	c.RateLimitRedisFailOpen = p.oneOf("MFN_RATE_LIMIT_REDIS_FAIL", "open", strings.ToLower, "open", "closed") == "open"
	c.RateLimitRedisTimeout = p.duration("MFN_RATE_LIMIT_REDIS_TIMEOUT", 100*time.Millisecond, time.Millisecond, 10*time.Second)
	c.TrustedProxies = parsePrefixes(p, "MFN_TRUSTED_PROXIES", getenv("MFN_TRUSTED_PROXIES"))

	c.LogLevel = parseLevel(p, getenv("MFN_LOG_LEVEL"))
	defFormat := "json"
	if dev {
		defFormat = "text"
	}
	c.LogFormat = p.oneOf("MFN_LOG_FORMAT", defFormat, strings.ToLower, "json", "text")
	c.LogFlush = p.duration("MFN_LOG_FLUSH_INTERVAL", 100*time.Millisecond, 0, 10*time.Second)
	c.AccessLog = parseAccessLog(p, getenv("MFN_ACCESS_LOG"))
	c.MetricsEnabled = p.boolean("MFN_METRICS_ENABLED", true)
	c.CORSOrigins = corsDefaults(c.Env)
	if v, set := getenvSet(getenv, "MFN_CORS_ORIGINS"); set {
		c.CORSOrigins = list(v)
	}

	c.CryptoEnabled = p.boolean("MFN_CRYPTO_ENABLED", true)
	c.CryptoAlgorithm = p.oneOf("MFN_CRYPTO_ALGORITHM", "AES-256-GCM", identity, "AES-256-GCM")
	c.CryptoKeySize = p.integer("MFN_CRYPTO_KEY_SIZE", 256, 256, 256)
	c.CryptoSignatureAlg = p.oneOf("MFN_CRYPTO_SIGNATURE_ALG", "Ed25519", identity, "Ed25519")
	c.CryptoAuditLog = p.boolean("MFN_CRYPTO_AUDIT_LOG", true)
	c.CryptoKeyFile = strings.TrimSpace(getenv("MFN_CRYPTO_KEY_FILE"))
	if c.CryptoEnabled && !dev && c.CryptoKeyFile == "" {
		p.addf("MFN_CRYPTO_KEY_FILE is required in %s while MFN_CRYPTO_ENABLED=true (every replica and restart must use the same keys); create one with `mfn serve --init-key-file PATH`, or set MFN_CRYPTO_ENABLED=false", c.Env)
	}

	c.MaxBodyBytes = int64(p.integer("MFN_MAX_BODY_BYTES", 4<<20, 1<<10, 1<<30))
	c.HandlerTimeout = p.duration("MFN_HANDLER_TIMEOUT", 30*time.Second, 100*time.Millisecond, time.Hour)
	c.Workers = p.integer("MFN_WORKERS", runtime.GOMAXPROCS(0), 1, 4096)
	c.QueueSize = p.integer("MFN_QUEUE_SIZE", 64*c.Workers, 0, 1_000_000)
	c.ShutdownTimeout = p.duration("MFN_SHUTDOWN_TIMEOUT", 25*time.Second, 0, time.Hour)
	c.ShutdownDelay = p.duration("MFN_SHUTDOWN_DELAY", 0, 0, 5*time.Minute)
	c.ReloadInterval = p.duration("MFN_RELOAD_INTERVAL", 5*time.Second, 100*time.Millisecond, time.Hour)

	c.TLSCertFile = strings.TrimSpace(getenv("MFN_TLS_CERT_FILE"))
	c.TLSKeyFile = strings.TrimSpace(getenv("MFN_TLS_KEY_FILE"))
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		p.addf("MFN_TLS_CERT_FILE and MFN_TLS_KEY_FILE must be set together (got cert %q, key %q)", c.TLSCertFile, c.TLSKeyFile)
	}
	c.Tracing = tracingFromEnv(getenv, p)
	c.Streams = streamsFromEnv(p)
	c.Limits = limitsFromEnv(p)

	if len(p.list) > 0 {
		return c, &ConfigError{Problems: p.list}
	}
	return c, nil
}

func getenvSet(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// corsDefaults are the reference's per-environment CORS origins.
func corsDefaults(env string) []string {
	switch env {
	case "dev":
		return []string{"*"}
	case "staging":
		return []string{"http://localhost:3000", "http://localhost:8080"}
	}
	return nil
}

func parseLevel(p *problems, v string) slog.Level {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "", "INFO":
		return slog.LevelInfo
	case "DEBUG":
		return slog.LevelDebug
	case "WARNING", "WARN":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	case "CRITICAL":
		return LevelCritical
	}
	p.addf("MFN_LOG_LEVEL=%q: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL", v)
	return slog.LevelInfo
}

// parseRouteLimits reads "/simulate=50,/nernst=200" over the reference's per-route defaults.
func parseRouteLimits(p *problems, v string) map[string]int {
	m := map[string]int{}
	for _, rt := range routeTable {
		if rt.rateLimit > 0 {
			m[rt.path] = rt.rateLimit
		}
	}
	for _, item := range list(v) {
		path, n, ok := strings.Cut(item, "=")
		path = strings.TrimSpace(path)
		capacity, err := strconv.Atoi(strings.TrimSpace(n))
		switch {
		case !ok || err != nil || capacity < 1:
			p.addf("MFN_RATE_LIMIT_ROUTES item %q: must be ROUTE=N with N a positive integer, e.g. /simulate=50", item)
		case path != otherRoute && lookupRoute(path) == nil:
			p.addf("MFN_RATE_LIMIT_ROUTES item %q: unknown route %s; routes are %s", item, path, strings.Join(routePaths(), ", "))
		default:
			m[path] = capacity
		}
	}
	return m
}

func routePaths() []string {
	out := make([]string, 0, len(routeTable)+1)
	for _, rt := range routeTable {
		out = append(out, rt.path)
	}
	return append(out, otherRoute)
}

// parsePrefixes reads a comma-separated list of CIDR prefixes or single addresses.
func parsePrefixes(p *problems, name, v string) []netip.Prefix {
	var out []netip.Prefix
	for _, item := range list(v) {
		if pre, err := netip.ParsePrefix(item); err == nil {
			out = append(out, pre.Masked())
			continue
		}
		if a, err := netip.ParseAddr(item); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p.addf("%s item %q: must be an IP address or a CIDR prefix such as 10.0.0.0/8", name, item)
	}
	return out
}

// redactURL hides the password of a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil { // unparseable: hide whatever could be user information
		if at := strings.LastIndex(s, "@"); at >= 0 {
			if i := strings.Index(s, "://"); i >= 0 && i < at {
				return s[:i+3] + "xxxxx" + s[at:]
			}
			return "xxxxx" + s[at:]
		}
		return s
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return s
}
