package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CheckConfig checks what Open would load, without starting anything or writing any file:
// the API key file, the crypto key file (or that its directory exists), the TLS pair and the
// embedded OpenAPI contract.
func CheckConfig(cfg Config) error {
	var problems []string
	if _, err := NewAPIKeys(cfg.APIKeyRequired, cfg.APIKeys, cfg.APIKeysFile); err != nil {
		problems = append(problems, err.Error())
	}
	if cfg.CryptoEnabled && cfg.CryptoKeyFile != "" {
		if _, _, err := readKeySetFile(cfg.CryptoKeyFile); errors.Is(err, fs.ErrNotExist) {
			if fi, err := os.Stat(filepath.Dir(cfg.CryptoKeyFile)); err != nil || !fi.IsDir() {
				problems = append(problems, fmt.Sprintf("MFN_CRYPTO_KEY_FILE=%q: the file is missing and its directory does not exist", cfg.CryptoKeyFile))
			}
		} else if err != nil {
			problems = append(problems, err.Error())
		}
	}
	if cfg.TLSCertFile != "" {
		if _, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile); err != nil {
			problems = append(problems, "MFN_TLS_CERT_FILE/MFN_TLS_KEY_FILE: "+err.Error())
		}
	}
	if err := checkDocs(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return &ConfigError{Problems: problems}
	}
	return nil
}

// Summary describes the effective configuration in a few lines (never the keys themselves).
func Summary(cfg Config) string {
	var b strings.Builder
	onOff := func(v bool) string {
		if v {
			return "on"
		}
		return "off"
	}
	fmt.Fprintf(&b, "env %s; log %s at %s; metrics middleware %s\n", cfg.Env, cfg.LogFormat, cfg.LogLevel, onOff(cfg.MetricsEnabled))
	if len(cfg.APIKeys) == 1 && cfg.APIKeys[0] == devAPIKey {
		fmt.Fprintf(&b, "api keys: required %s, none configured: the built-in dev key %q only", onOff(cfg.APIKeyRequired), devAPIKey)
	} else {
		fmt.Fprintf(&b, "api keys: required %s, %d from the environment", onOff(cfg.APIKeyRequired), len(cfg.APIKeys))
	}
	if cfg.APIKeysFile != "" {
		fmt.Fprintf(&b, ", file %s", cfg.APIKeysFile)
	}
	fmt.Fprintf(&b, "\nrate limit %s: %d per %v by default", onOff(cfg.RateLimitEnabled), cfg.RateLimitRequests, cfg.RateLimitWindow)
	routes := make([]string, 0, len(cfg.RateLimitRoutes))
	for r, n := range cfg.RateLimitRoutes {
		routes = append(routes, fmt.Sprintf("%s=%d", r, n))
	}
	sort.Strings(routes)
	fmt.Fprintf(&b, ", routes %s; trusted proxies %d\n", strings.Join(routes, ","), len(cfg.TrustedProxies))
	if cfg.RateLimitEnabled {
		if cfg.RateLimitRedisURL != "" {
			fail := "closed (refused with 429)"
			if cfg.RateLimitRedisFailOpen {
				fail = "open (each replica's own limits)"
			}
			fmt.Fprintf(&b, "rate limits shared by every replica through Redis %s; when Redis does not answer within %v: fail %s\n",
				redactURL(cfg.RateLimitRedisURL), cfg.RateLimitRedisTimeout, fail)
		} else {
			fmt.Fprintln(&b, "rate limits are per replica: N replicas allow N times each limit (set MFN_RATE_LIMIT_REDIS_URL to share them)")
		}
	}
	fmt.Fprintf(&b, "cors origins %q\n", cfg.CORSOrigins)
	if cfg.CryptoEnabled {
		file := cfg.CryptoKeyFile
		if file == "" {
			file = "(memory only)"
		}
		fmt.Fprintf(&b, "crypto on: %s, %s, key file %s, audit %s\n", cfg.CryptoAlgorithm, cfg.CryptoSignatureAlg, file, onOff(cfg.CryptoAuditLog))
	} else {
		fmt.Fprintln(&b, "crypto off")
	}
	fmt.Fprintf(&b, "workers %d, queue %d, body limit %d bytes, handler timeout %v, shutdown delay %v timeout %v, reload every %v\n",
		cfg.Workers, cfg.QueueSize, cfg.MaxBodyBytes, cfg.HandlerTimeout, cfg.ShutdownDelay, cfg.ShutdownTimeout, cfg.ReloadInterval)
	tlsState := "off"
	if cfg.TLSCertFile != "" {
		tlsState = cfg.TLSCertFile
	}
	fmt.Fprintf(&b, "tls %s; tracing %s (service %s)", tlsState, onOff(cfg.Tracing.Enabled), cfg.Tracing.ServiceName)
	return b.String()
}
