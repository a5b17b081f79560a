package integration

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KafkaSecurity is how a Kafka connector or publisher reaches a secured cluster (MSK,
// Confluent Cloud, Strimzi): TLS and/or SASL. Secrets never appear in the file itself: each
// comes from a file (re-read at every authentication, so a rotated Secret volume is picked up)
// or an environment variable.
type KafkaSecurity struct {
	TLS  *KafkaTLS  `yaml:"tls" json:"tls"`
	SASL *KafkaSASL `yaml:"sasl" json:"sasl"`
}

// KafkaTLS: TLS to the brokers. With no ca_file the system's roots are used; cert_file and
// key_file (together) present a client certificate (mutual TLS).
type KafkaTLS struct {
	CAFile     string `yaml:"ca_file" json:"ca_file"`
	CertFile   string `yaml:"cert_file" json:"cert_file"`
	KeyFile    string `yaml:"key_file" json:"key_file"`
	ServerName string `yaml:"server_name" json:"server_name"` // default: the broker's host
}

// KafkaSASL: SASL authentication. mechanism is PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or
// AWS_MSK_IAM. PLAIN and SCRAM take a username and a password; AWS_MSK_IAM takes an access
// key and a secret key (and optionally a session token), each from a file or a variable
// (default: the standard AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
type KafkaSASL struct {
	Mechanism    string `yaml:"mechanism" json:"mechanism"`
	Username     string `yaml:"username" json:"username"`
	UsernameEnv  string `yaml:"username_env" json:"username_env"`
	PasswordFile string `yaml:"password_file" json:"password_file"`
	PasswordEnv  string `yaml:"password_env" json:"password_env"`

	AccessKeyFile    string `yaml:"access_key_file" json:"access_key_file"`
	AccessKeyEnv     string `yaml:"access_key_env" json:"access_key_env"`
	SecretKeyFile    string `yaml:"secret_key_file" json:"secret_key_file"`
	SecretKeyEnv     string `yaml:"secret_key_env" json:"secret_key_env"`
	SessionTokenFile string `yaml:"session_token_file" json:"session_token_file"`
	SessionTokenEnv  string `yaml:"session_token_env" json:"session_token_env"`
}

// secretSource reads one secret from a file or an environment variable.
type secretSource struct{ field, file, env string }

func (s secretSource) set() bool { return s.file != "" || s.env != "" }

// read returns the secret, trimmed of surrounding blanks and newlines.
func (s secretSource) read() (string, error) {
	if s.file != "" {
		b, err := os.ReadFile(s.file)
		if err != nil {
			return "", fmt.Errorf("%s_file: %w", s.field, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("%s_file: %s is empty", s.field, s.file)
		}
		return v, nil
	}
	v := strings.TrimSpace(os.Getenv(s.env))
	if v == "" {
		return "", fmt.Errorf("%s_env: %q is not set or empty", s.field, s.env)
	}
	return v, nil
}

// check validates that exactly one source is given (or none when optional) and that it can
// be read now, so a bad deployment fails at start-up, naming the field.
func (s secretSource) check(optional bool) error {
	switch {
	case s.file != "" && s.env != "":
		return fmt.Errorf("%s_file, %s_env: both are set (want one)", s.field, s.field)
	case !s.set():
		if optional {
			return nil
		}
		return fmt.Errorf("%s_file or %s_env: one is required", s.field, s.field)
	}
	_, err := s.read()
	return err
}

func (a *KafkaSASL) password() secretSource {
	return secretSource{"password", a.PasswordFile, a.PasswordEnv}
}

func (a *KafkaSASL) awsSources() (ak, sk, tok secretSource) {
	ak = secretSource{"access_key", a.AccessKeyFile, a.AccessKeyEnv}
	sk = secretSource{"secret_key", a.SecretKeyFile, a.SecretKeyEnv}
	tok = secretSource{"session_token", a.SessionTokenFile, a.SessionTokenEnv}
	if !ak.set() {
		ak.env = "AWS_ACCESS_KEY_ID"
	}
	if !sk.set() {
		sk.env = "AWS_SECRET_ACCESS_KEY"
	}
	if !tok.set() && os.Getenv("AWS_SESSION_TOKEN") != "" {
		tok.env = "AWS_SESSION_TOKEN"
	}
	return ak, sk, tok
}

func (a *KafkaSASL) username() (string, error) {
	switch {
	case a.Username != "" && a.UsernameEnv != "":
		return "", errors.New("sasl.username, sasl.username_env: both are set (want one)")
	case a.UsernameEnv != "":
		v := os.Getenv(a.UsernameEnv)
		if v == "" {
			return "", fmt.Errorf("sasl.username_env: %q is not set or empty", a.UsernameEnv)
		}
		return v, nil
	case a.Username == "":
		return "", errors.New("sasl.username or sasl.username_env: one is required")
	}
	return a.Username, nil
}

// Validate names the first bad field (prefixed tls. or sasl.) and checks that every file and
// variable it names can be read now.
func (s KafkaSecurity) Validate() error {
	if t := s.TLS; t != nil {
		if (t.CertFile == "") != (t.KeyFile == "") {
			return errors.New("tls.cert_file, tls.key_file: give both or neither")
		}
		if _, err := t.config(); err != nil {
			return err
		}
	}
	if a := s.SASL; a != nil {
		switch a.Mechanism {
		case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
			if _, err := a.username(); err != nil {
				return err
			}
			if err := a.password().check(false); err != nil {
				return fmt.Errorf("sasl.%w", err)
			}
		case "AWS_MSK_IAM":
			ak, sk, tok := a.awsSources()
			for _, src := range []secretSource{ak, sk} {
				if err := src.check(false); err != nil {
					return fmt.Errorf("sasl.%w", err)
				}
			}
			if err := tok.check(true); err != nil {
				return fmt.Errorf("sasl.%w", err)
			}
			if s.TLS == nil {
				return errors.New("sasl.mechanism: AWS_MSK_IAM needs tls (MSK's IAM listener is TLS only)")
			}
		default:
			return fmt.Errorf("sasl.mechanism: %q is not allowed (want PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM)", a.Mechanism)
		}
		if a.Mechanism == "PLAIN" && s.TLS == nil && os.Getenv("MFN_KAFKA_ALLOW_PLAINTEXT_SASL") != "true" {
			return errors.New("sasl.mechanism: PLAIN sends the password in clear text; configure tls (or set MFN_KAFKA_ALLOW_PLAINTEXT_SASL=true for a test cluster)")
		}
	}
	return nil
}

// config builds the TLS configuration, reading the CA and the client pair.
func (t *KafkaTLS) config() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls.ca_file: %s holds no PEM certificate", t.CAFile)
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" {
		certFile, keyFile := t.CertFile, t.KeyFile
		if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
			return nil, fmt.Errorf("tls.cert_file, tls.key_file: %w", err)
		}
		// Re-read at every handshake: a renewed certificate (cert-manager) needs no restart.
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			pair, err := tls.LoadX509KeyPair(certFile, keyFile)
			return &pair, err
		}
	}
	return c, nil
}
