package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"
)

// redocSHA256 is the sha256 of bundles/redoc.standalone.js in the npm package redoc@2.5.4
// (`npm pack redoc@2.5.4`).
const redocSHA256 = "dcaf76612bc4a3fbcc923a8966dee2f6146a5f32e5ce1b6f02dd60cbbf89500b"

func TestRedoc(t *testing.T) {
	app, _ := testApp(t, map[string]string{"MFN_API_KEY_REQUIRED": "true", "MFN_API_KEYS": "k-0123456789abcdef0123"})
	h := app.Handler()
	page := call(h, "GET", "/redoc", "")
	if page.Code != 200 || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(page.Body.String(), `<redoc spec-url="openapi.json"`) ||
		!strings.Contains(page.Body.String(), `<script src="redoc/redoc.js"></script>`) {
		t.Fatalf("/redoc: %d %q", page.Code, page.Body.String())
	}
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "http") {
		t.Errorf("CSP %q", csp)
	}
	// Without gzip: the bundle itself, as npm ships it.
	plain := call(h, "GET", "/redoc/redoc.js", "")
	sum := sha256.Sum256(plain.Body.Bytes())
	if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" || hex.EncodeToString(sum[:]) != redocSHA256 {
		t.Fatalf("bundle: %d, %d bytes, sha256 %x", plain.Code, plain.Body.Len(), sum)
	}
	// With gzip: the stored gzip, which decompresses to the same bytes.
	gz := call(h, "GET", "/redoc/redoc.js", "", "Accept-Encoding", "br, gzip;q=0.8")
	if gz.Code != 200 || gz.Header().Get("Content-Encoding") != "gzip" || gz.Body.Len() >= plain.Body.Len()/2 {
		t.Fatalf("gzip: %d %q %d bytes", gz.Code, gz.Header().Get("Content-Encoding"), gz.Body.Len())
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	back, _ := io.ReadAll(zr)
	if !bytes.Equal(back, plain.Body.Bytes()) {
		t.Fatal("the gzip body differs from the plain one")
	}
	if rec := call(h, "GET", "/redoc/redoc.js", "", "Accept-Encoding", "gzip;q=0"); rec.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
}
