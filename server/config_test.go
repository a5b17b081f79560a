package server

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestConfigDefaultsPerEnvironment(t *testing.T) {
	dev, err := LoadConfig(envOf())
	if err != nil {
		t.Fatal(err)
	}
	if dev.Env != "dev" || dev.APIKeyRequired || dev.RateLimitEnabled || dev.LogFormat != "text" ||
		!slices.Equal(dev.APIKeys, []string{devAPIKey}) || !slices.Equal(dev.CORSOrigins, []string{"*"}) ||
		dev.RateLimitRequests != 100 || dev.RateLimitWindow != time.Minute || dev.RateLimitRoutes["/simulate"] != 50 ||
		dev.RateLimitRoutes["/health"] != 1000 || dev.LogLevel != slog.LevelInfo || !dev.CryptoEnabled {
		t.Errorf("dev defaults: %+v", dev)
	}
	st, err := LoadConfig(envOf("MFN_ENV", "staging", "MFN_API_KEY", "k", "MFN_CRYPTO_KEY_FILE", "/tmp/k.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !st.APIKeyRequired || !st.RateLimitEnabled || st.LogFormat != "json" || len(st.CORSOrigins) != 2 ||
		slices.Contains(st.APIKeys, devAPIKey) {
		t.Errorf("staging defaults: %+v", st)
	}
	prod, err := LoadConfig(envOf("MFN_ENV", "PROD", "MFN_API_KEYS", " a, ,b ", "MFN_CRYPTO_ENABLED", "false",
		"MFN_RATE_LIMIT_ROUTES", "/simulate=5,/other=7", "MFN_RATE_LIMIT_WINDOW", "2m", "MFN_TRUSTED_PROXIES", "10.0.0.0/8,192.168.1.1",
		"MFN_LOG_LEVEL", "warning"))
	if err != nil {
		t.Fatal(err)
	}
	if prod.Env != "prod" || !slices.Equal(prod.APIKeys, []string{"a", "b"}) || prod.CORSOrigins != nil ||
		prod.RateLimitRoutes["/simulate"] != 5 || prod.RateLimitRoutes["/other"] != 7 || prod.RateLimitRoutes["/nernst"] != 200 ||
		prod.RateLimitWindow != 2*time.Minute || len(prod.TrustedProxies) != 2 || prod.LogLevel != slog.LevelWarn {
		t.Errorf("prod: %+v", prod)
	}
}

// A bad or unknown value stops start-up with a message naming the variable and what is allowed.
func TestConfigRejectsBadValues(t *testing.T) {
	for _, c := range []struct {
		env  []string
		want string
	}{
		{[]string{"MFN_ENV", "production"}, `MFN_ENV="production": must be one of dev, staging, prod`},
		{[]string{"MFN_API_KEY_REQUIRED", "maybe"}, `MFN_API_KEY_REQUIRED="maybe": must be a boolean`},
		{[]string{"MFN_RATE_LIMIT_REQUESTS", "lots"}, `MFN_RATE_LIMIT_REQUESTS="lots": must be an integer in [1, 1000000000]`},
		{[]string{"MFN_RATE_LIMIT_WINDOW", "0"}, `MFN_RATE_LIMIT_WINDOW="0": must be a duration in [1s, 24h0m0s]`},
		{[]string{"MFN_RATE_LIMIT_ROUTES", "/simulat=5"}, `unknown route /simulat`},
		{[]string{"MFN_RATE_LIMIT_ROUTES", "/simulate=-1"}, `must be ROUTE=N with N a positive integer`},
		{[]string{"MFN_TRUSTED_PROXIES", "10.0.0.0/33"}, `MFN_TRUSTED_PROXIES item "10.0.0.0/33"`},
		{[]string{"MFN_LOG_LEVEL", "verbose"}, `MFN_LOG_LEVEL="verbose": must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL`},
		{[]string{"MFN_LOG_FORMAT", "xml"}, `MFN_LOG_FORMAT="xml": must be one of json, text`},
		{[]string{"MFN_CRYPTO_ALGORITHM", "ChaCha20-Poly1305"}, `MFN_CRYPTO_ALGORITHM="ChaCha20-Poly1305": must be one of AES-256-GCM`},
		{[]string{"MFN_CRYPTO_KEY_SIZE", "128"}, `MFN_CRYPTO_KEY_SIZE="128": must be an integer in [256, 256]`},
		{[]string{"MFN_ENV", "prod", "MFN_API_KEY", "k"}, `MFN_CRYPTO_KEY_FILE is required in prod`},
		{[]string{"MFN_ENV", "prod", "MFN_CRYPTO_ENABLED", "false"}, `MFN_API_KEY_REQUIRED=true: set MFN_API_KEY, MFN_API_KEYS or MFN_API_KEYS_FILE`},
		{[]string{"MFN_TLS_CERT_FILE", "/c.pem"}, `MFN_TLS_CERT_FILE and MFN_TLS_KEY_FILE must be set together`},
		{[]string{"MFN_HANDLER_TIMEOUT", "1y"}, `MFN_HANDLER_TIMEOUT="1y"`},
		{[]string{"MFN_WORKERS", "0"}, `MFN_WORKERS="0": must be an integer in [1, 4096]`},
		{[]string{"MFN_MAX_BODY_BYTES", "12"}, `MFN_MAX_BODY_BYTES="12"`},
		{[]string{"OTEL_SDK_DISABLED", "nah"}, `OTEL_SDK_DISABLED="nah"`},
	} {
		_, err := LoadConfig(envOf(c.env...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to contain %q", c.env, err, c.want)
		}
	}
	// All problems at once.
	_, err := LoadConfig(envOf("MFN_ENV", "qa", "MFN_LOG_LEVEL", "loud"))
	if ce, ok := err.(*ConfigError); !ok || len(ce.Problems) != 2 {
		t.Errorf("two problems: %v", err)
	}
}

func TestSummaryNeverShowsKeys(t *testing.T) {
	cfg, err := LoadConfig(envOf("MFN_API_KEYS", "super-secret-1,super-secret-2"))
	if err != nil {
		t.Fatal(err)
	}
	s := Summary(cfg)
	if strings.Contains(s, "super-secret") || !strings.Contains(s, "2 from the environment") {
		t.Errorf("summary:\n%s", s)
	}
	if err := CheckConfig(cfg); err != nil {
		t.Error(err)
	}
	bad := cfg
	bad.APIKeysFile, bad.APIKeyRequired = "/nonexistent/keys", true
	if err := CheckConfig(bad); err == nil || !strings.Contains(err.Error(), "MFN_API_KEYS_FILE") {
		t.Errorf("missing key file: %v", err)
	}
}
