package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// serveApp starts app.Serve on a loopback port; stop cancels it and returns Serve's error.
func serveApp(t *testing.T, app *App, reload chan struct{}) (url string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln, reload) }()
	var once bool
	var result error
	stop = func() error {
		if !once {
			once = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), stop
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	app, logs := testApp(t, map[string]string{"MFN_SHUTDOWN_TIMEOUT": "20s"})
	addr, stop := serveApp(t, app, nil)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := client.Post("http://"+addr+"/simulate", "application/json", strings.NewReader(`{"grid_size":256,"steps":1000}`))
		if err != nil {
			res <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{status: resp.StatusCode, body: string(b)}
	}()
	inFlight := app.metrics.inProgress.WithLabelValues("/simulate", "POST")
	for deadline := time.Now().Add(10 * time.Second); testutil.ToFloat64(inFlight) < 1; {
		if time.Now().After(deadline) {
			t.Fatal("the request never started")
		}
		time.Sleep(time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	r := <-res
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, "growth_events") {
		t.Errorf("in-flight request: %+v", r)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("still accepting connections after shutdown")
	}
	if !strings.Contains(logs.String(), "shutting down") || !strings.Contains(logs.String(), "stopped") {
		t.Errorf("log:\n%s", logs.String())
	}
	if app.pool.Accepting() {
		t.Error("worker pool still open after Serve returned")
	}
}

// A validation run stops between its simulations once its request is cut, so shutdown waits
// for at most one simulation (about 0.1 s here) after the deadline, not for the whole run.
func TestShutdownDeadlineCutsLongRequests(t *testing.T) {
	app, _ := testApp(t, map[string]string{"MFN_SHUTDOWN_TIMEOUT": "50ms", "MFN_WORKERS": "1"})
	addr, stop := serveApp(t, app, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Post("http://"+addr+"/validate", "application/json", strings.NewReader(`{"epochs":100,"grid_size":128,"steps":500}`))
		if err == nil {
			resp.Body.Close()
		}
	}()
	inFlight := app.metrics.inProgress.WithLabelValues("/validate", "POST")
	for testutil.ToFloat64(inFlight) < 1 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("shutdown took %v with a 50ms deadline", el)
	}
	<-done
}

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
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})))
	// Make the stamps differ even within one clock tick.
	_ = os.Chtimes(certFile, time.Now(), time.Now().Add(time.Duration(serial)*time.Second))
	return certFile, keyFile
}

func TestTLSWithCertificateReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir, 1)
	app, _ := testApp(t, map[string]string{"MFN_TLS_CERT_FILE": certFile, "MFN_TLS_KEY_FILE": keyFile, "MFN_RELOAD_INTERVAL": "1h"})
	reload := make(chan struct{})
	addr, _ := serveApp(t, app, reload)
	serial := func() int64 {
		t.Helper()
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
	}
	if s := serial(); s != 1 {
		t.Fatalf("serial %d", s)
	}
	writeCert(t, dir, 2)
	reload <- struct{}{} // SIGHUP
	for deadline := time.Now().Add(5 * time.Second); serial() != 2; {
		if time.Now().After(deadline) {
			t.Fatal("the new certificate was not picked up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A broken pair keeps the current certificate.
	writeFile(t, certFile, "not a certificate")
	reload <- struct{}{}
	time.Sleep(20 * time.Millisecond)
	if s := serial(); s != 2 {
		t.Errorf("after a broken update: serial %d", s)
	}
}
