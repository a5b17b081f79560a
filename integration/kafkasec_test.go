//go:build !nokafka

package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// testCA makes a CA and a server certificate for 127.0.0.1 / "kafka.test", writes the CA to
// dir/ca.pem and returns the server's TLS configuration.
func testCA(t *testing.T, dir string) (serverTLS *tls.Config, caFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mfn test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kafka.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"kafka.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}},
		MinVersion: tls.VersionTLS12}, caFile
}

// A TLS + SASL kfake cluster: SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN users. The sink and the
// source reach it with every mechanism, the password from a file or a variable; a wrong
// password is refused; a client without TLS gets nowhere.
func TestKafkaTLSAndSASL(t *testing.T) {
	dir := t.TempDir()
	serverTLS, caFile := testCA(t, dir)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "secure"), kfake.TLS(serverTLS),
		kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", "mfn256", "s3cret-256"),
		kfake.Superuser("SCRAM-SHA-512", "mfn512", "s3cret-512"),
		kfake.Superuser("PLAIN", "mfnplain", "s3cret-plain"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte("s3cret-256\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MFN_TEST_KAFKA_PW512", "s3cret-512")
	t.Setenv("MFN_TEST_KAFKA_PWPLAIN", "s3cret-plain")
	t.Setenv("MFN_TEST_KAFKA_WRONG", "not-the-password")
	tlsCfg := &KafkaTLS{CAFile: caFile, ServerName: "kafka.test"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	for _, tc := range []struct {
		name string
		sasl KafkaSASL
	}{
		{"scram-256 password file", KafkaSASL{Mechanism: "SCRAM-SHA-256", Username: "mfn256", PasswordFile: pwFile}},
		{"scram-512 password env", KafkaSASL{Mechanism: "SCRAM-SHA-512", Username: "mfn512", PasswordEnv: "MFN_TEST_KAFKA_PW512"}},
		{"plain", KafkaSASL{Mechanism: "PLAIN", Username: "mfnplain", PasswordEnv: "MFN_TEST_KAFKA_PWPLAIN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec := KafkaSecurity{TLS: tlsCfg, SASL: &tc.sasl}
			sink, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "secure", KafkaSecurity: sec})
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			if err := sink.Send(ctx, testMessages(tc.sasl.Mechanism, 5)); err != nil {
				t.Fatalf("send over TLS+SASL: %v", err)
			}
		})
	}

	// The source reads what the sinks wrote, over TLS with SCRAM-SHA-512.
	src, err := NewKafkaSource(KafkaSourceConfig{Brokers: c.ListenAddrs(), Topics: []string{"secure"}, Group: "g",
		KafkaSecurity: KafkaSecurity{TLS: tlsCfg, SASL: &KafkaSASL{Mechanism: "SCRAM-SHA-512", Username: "mfn512", PasswordEnv: "MFN_TEST_KAFKA_PW512"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for got < 15 {
		ds, err := src.Poll(ctx)
		if err != nil {
			t.Fatalf("poll after %d: %v", got, err)
		}
		got += len(ds)
		if err := src.Commit(ctx, ds); err != nil {
			t.Fatal(err)
		}
	}
	src.Close()

	// A wrong password is refused.
	bad, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "secure", Timeout: Duration(3 * time.Second),
		KafkaSecurity: KafkaSecurity{TLS: tlsCfg, SASL: &KafkaSASL{Mechanism: "SCRAM-SHA-256", Username: "mfn256", PasswordEnv: "MFN_TEST_KAFKA_WRONG"}}})
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 5*time.Second)
	err = bad.Send(short, testMessages("bad", 1))
	cancelShort()
	bad.Close()
	if err == nil {
		t.Fatal("a wrong password was accepted")
	}
	t.Logf("wrong password: %v", err)

	// Without the CA the broker's certificate is not trusted.
	untrusted, err := NewKafkaSink(KafkaSinkConfig{Brokers: c.ListenAddrs(), Topic: "secure", Timeout: Duration(3 * time.Second),
		KafkaSecurity: KafkaSecurity{TLS: &KafkaTLS{ServerName: "kafka.test"}, SASL: &KafkaSASL{Mechanism: "SCRAM-SHA-256", Username: "mfn256", PasswordFile: pwFile}}})
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort = context.WithTimeout(ctx, 5*time.Second)
	err = untrusted.Send(short, testMessages("untrusted", 1))
	cancelShort()
	untrusted.Close()
	if err == nil {
		t.Fatal("a broker certificate from an unknown CA was trusted")
	}
}

// Start-up validation names the field of every misconfiguration.
func TestKafkaSecurityValidate(t *testing.T) {
	dir := t.TempDir()
	_, caFile := testCA(t, dir)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	t.Setenv("MFN_TEST_SET", "x")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	for _, tc := range []struct {
		sec  KafkaSecurity
		want string
	}{
		{KafkaSecurity{TLS: &KafkaTLS{CAFile: filepath.Join(dir, "missing.pem")}}, "tls.ca_file"},
		{KafkaSecurity{TLS: &KafkaTLS{CAFile: empty}}, "holds no PEM certificate"},
		{KafkaSecurity{TLS: &KafkaTLS{CertFile: caFile}}, "tls.cert_file, tls.key_file: give both"},
		{KafkaSecurity{TLS: &KafkaTLS{}, SASL: &KafkaSASL{Mechanism: "GSSAPI"}}, `sasl.mechanism: "GSSAPI" is not allowed`},
		{KafkaSecurity{TLS: &KafkaTLS{}, SASL: &KafkaSASL{Mechanism: "SCRAM-SHA-256", PasswordEnv: "MFN_TEST_SET"}}, "sasl.username or sasl.username_env"},
		{KafkaSecurity{TLS: &KafkaTLS{}, SASL: &KafkaSASL{Mechanism: "SCRAM-SHA-256", Username: "u"}}, "sasl.password_file or password_env: one is required"},
		{KafkaSecurity{TLS: &KafkaTLS{}, SASL: &KafkaSASL{Mechanism: "SCRAM-SHA-256", Username: "u", PasswordEnv: "MFN_TEST_UNSET_VAR"}}, `sasl.password_env: "MFN_TEST_UNSET_VAR" is not set`},
		{KafkaSecurity{TLS: &KafkaTLS{}, SASL: &KafkaSASL{Mechanism: "SCRAM-SHA-256", Username: "u", PasswordFile: empty}}, "sasl.password_file: " + empty + " is empty"},
		{KafkaSecurity{TLS: &KafkaTLS{}, SASL: &KafkaSASL{Mechanism: "SCRAM-SHA-256", Username: "u", PasswordFile: empty, PasswordEnv: "MFN_TEST_SET"}}, "both are set"},
		{KafkaSecurity{SASL: &KafkaSASL{Mechanism: "PLAIN", Username: "u", PasswordEnv: "MFN_TEST_SET"}}, "clear text"},
		{KafkaSecurity{TLS: &KafkaTLS{}, SASL: &KafkaSASL{Mechanism: "AWS_MSK_IAM"}}, `sasl.access_key_env: "AWS_ACCESS_KEY_ID" is not set`},
		{KafkaSecurity{SASL: &KafkaSASL{Mechanism: "AWS_MSK_IAM", AccessKeyEnv: "MFN_TEST_SET", SecretKeyEnv: "MFN_TEST_SET"}}, "AWS_MSK_IAM needs tls"},
	} {
		err := tc.sec.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.sec, err, tc.want)
		}
	}
	// From the configuration file: the error names the entry.
	_, err := ParseConfig([]byte(`publishers:
  - name: results
    type: kafka
    kafka:
      brokers: ["b:9092"]
      topic: t
      tls: {ca_file: /nonexistent/ca.pem}
routes:
  - from: simulate
    to: [results]
`))
	if err == nil || !strings.Contains(err.Error(), "results") || !strings.Contains(err.Error(), "tls.ca_file") {
		t.Errorf("config with a missing CA: %v", err)
	}
}
