package server

import (
	"crypto/tls"
	"fmt"
	"sync"
)

// certReloader serves the TLS certificate of MFN_TLS_CERT_FILE / MFN_TLS_KEY_FILE and swaps in
// a new one when the files change (cert-manager renewals), without dropping connections.
type certReloader struct {
	certFile, keyFile string

	mu     sync.RWMutex
	cert   *tls.Certificate
	stamps [2]fileStamp
}

func newCertReloader(certFile, keyFile string) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile}
	if _, err := c.reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// reload loads the pair when either file changed. A bad pair leaves the current one in use.
func (c *certReloader) reload() (bool, error) {
	cs, err := statStamp(c.certFile)
	if err != nil {
		return false, fmt.Errorf("MFN_TLS_CERT_FILE: %w", err)
	}
	ks, err := statStamp(c.keyFile)
	if err != nil {
		return false, fmt.Errorf("MFN_TLS_KEY_FILE: %w", err)
	}
	c.mu.RLock()
	same := c.cert != nil && c.stamps == [2]fileStamp{cs, ks}
	c.mu.RUnlock()
	if same {
		return false, nil
	}
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return false, fmt.Errorf("MFN_TLS_CERT_FILE/MFN_TLS_KEY_FILE: %w", err)
	}
	c.mu.Lock()
	c.cert, c.stamps = &pair, [2]fileStamp{cs, ks}
	c.mu.Unlock()
	return true, nil
}

func (c *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cert, nil
}
