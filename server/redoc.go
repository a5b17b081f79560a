package server

import (
	_ "embed"
	"io"
	"net/http"
	"strconv"
	"strings"

	"mfn/internal/gzdata"
)

// /redoc: the contract rendered by ReDoc (redoc 2.5.4 from npm, MIT; its licence and the
// bundled libraries' notices are in server/redoc/), served from the binary so that it works
// offline. The bundle is stored gzipped (327 KB instead of 1.1 MB) and sent as is to clients
// that accept gzip.

//go:embed redoc/redoc.standalone.js.gz
var redocGzip []byte

// redocPage loads the bundle and the contract by relative URLs, so the page also works behind
// a path prefix.
const redocPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MFN API reference (ReDoc)</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="openapi.json" hide-download-button="false"></redoc>
<script src="redoc/redoc.js"></script>
</body>
</html>
`

// redocCSP allows the bundle (same origin), the contract fetch, ReDoc's inline styles and its
// search worker (a blob: URL); nothing from elsewhere.
const redocCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; worker-src blob:; font-src 'self' data:"

func handleRedoc() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", redocCSP)
		h.Set("Content-Length", strconv.Itoa(len(redocPage)))
		_, _ = io.WriteString(w, redocPage)
	})
}

var redocPlain = gzdata.Lazy("redoc.standalone.js.gz", redocGzip)

// handleRedocBundle serves the bundle: the stored gzip to clients that accept it, otherwise
// the bundle decompressed once.
func handleRedocBundle() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=86400")
		writeMaybeGzipped(w, r, redocPlain, redocGzip)
	})
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip (not with q=0).
func acceptsGzip(v string) bool {
	for _, part := range strings.Split(v, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
