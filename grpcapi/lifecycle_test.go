package grpcapi

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
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"

	mfnv1 "mfn/api/proto/mfn/v1"
	"mfn/server"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with the given serial number.
func writeCert(t *testing.T, dir string, serial int64) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "mfn-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(certFile, time.Now(), time.Now().Add(time.Duration(serial)*time.Second))
	return certFile, keyFile
}

// openApp opens a service configured by env (without serving it).
func openApp(t *testing.T, env map[string]string) *server.App {
	t.Helper()
	base := map[string]string{"MFN_LOG_LEVEL": "WARNING", "MFN_RATE_LIMIT_ENABLED": "false", "MFN_API_KEY_REQUIRED": "false"}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := server.LoadConfig(func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	app, err := server.Open(context.Background(), cfg, &lockedWriter{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// TestTLSWithCertificateReload: gRPC serves the certificate REST serves, and a renewed
// certificate applies to new gRPC connections after the App's reload.
func TestTLSWithCertificateReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir, 1)
	app := openApp(t, map[string]string{"MFN_TLS_CERT_FILE": certFile, "MFN_TLS_KEY_FILE": keyFile})
	defer app.Close()
	gs, err := New(app.Transport())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(ln) }()
	defer gs.Shutdown(context.Background())
	serial := func() int64 {
		t.Helper()
		conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{InsecureSkipVerify: true})))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var p peer.Peer
		if _, err := mfnv1.NewMfnServiceClient(conn).Nernst(context.Background(),
			&mfnv1.NernstRequest{ConcentrationOutMolar: ptr(0.005), ConcentrationInMolar: ptr(0.14)}, grpc.Peer(&p)); err != nil {
			t.Fatal(err)
		}
		return p.AuthInfo.(credentials.TLSInfo).State.PeerCertificates[0].SerialNumber.Int64()
	}
	if s := serial(); s != 1 {
		t.Fatalf("serial %d, want 1", s)
	}
	writeCert(t, dir, 2)
	app.Reload(false)
	if s := serial(); s != 2 {
		t.Fatalf("after the renewal: serial %d, want 2", s)
	}
}

// TestGracefulStop: on shutdown a call in flight finishes with its result, health turns
// NOT_SERVING, and App.Serve returns only after gRPC has stopped.
func TestGracefulStop(t *testing.T) {
	app := openApp(t, map[string]string{"MFN_SHUTDOWN_TIMEOUT": "20s", "MFN_SHUTDOWN_DELAY": "0s"})
	gs, err := New(app.Transport())
	if err != nil {
		t.Fatal(err)
	}
	app.OnShutdown(gs.Shutdown)
	gln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gserved := make(chan error, 1)
	go func() { gserved <- gs.Serve(gln) }()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, hln, nil) }()

	conn, err := grpc.NewClient(gln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := mfnv1.NewMfnServiceClient(conn)
	if _, err := client.Nernst(context.Background(), &mfnv1.NernstRequest{ConcentrationOutMolar: ptr(0.005), ConcentrationInMolar: ptr(0.14)}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		r   *mfnv1.SimulateResponse
		err error
	}
	inflight := make(chan result, 1)
	go func() {
		r, err := client.Simulate(context.Background(), &mfnv1.SimulateRequest{GridSize: ptr[int32](256), Steps: ptr[int32](1000), Model: ptr("gm")})
		inflight <- result{r, err}
	}()
	time.Sleep(100 * time.Millisecond) // the call is running (gm at 256×1000 takes ~0.4 s)
	start := time.Now()
	cancel()
	r := <-inflight
	if r.err != nil || r.r.GetPotStdMv() == 0 {
		t.Errorf("the call in flight: %v %v, want its result", r.r, r.err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	t.Logf("shutdown took %v", time.Since(start))
	// gRPC has stopped once App.Serve returns: its listener is closed (GracefulStop closes it
	// first and returns after the last call); gs.Serve's own return follows at once.
	if c, err := net.DialTimeout("tcp", gln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("App.Serve returned while the gRPC listener still accepted connections")
	}
	select {
	case err := <-gserved:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Error("gRPC's Serve did not return after App.Serve")
	}
	if _, err := client.Nernst(context.Background(), &mfnv1.NernstRequest{}); codeOf(err) != "Unavailable" {
		t.Errorf("a call after the stop: %v, want Unavailable", err)
	}
}
