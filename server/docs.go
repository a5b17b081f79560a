package server

import (
	"net/http"
	"strconv"

	"mfn/api"
)

// checkDocs decompresses the embedded contract JSON and /docs page once (api keeps them), so
// a damaged binary fails at start-up rather than on the first request. Both are generated at
// development time by api/docspage; the page is self-contained, no script, nothing fetched
// from elsewhere.
func checkDocs() error {
	if _, err := api.OpenAPIJSON(); err != nil {
		return err
	}
	_, err := api.DocsHTML()
	return err
}

func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		writeMaybeGzipped(w, r, api.OpenAPIJSON, api.OpenAPIJSONGzip())
	})
}

func handleDocs() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		writeMaybeGzipped(w, r, api.DocsHTML, api.DocsHTMLGzip())
	})
}

// writeMaybeGzipped writes a body stored gzipped: the gzipped bytes, as they are, to a client
// whose Accept-Encoding allows gzip, the plain ones (from plain) otherwise.
func writeMaybeGzipped(w http.ResponseWriter, r *http.Request, plain func() ([]byte, error), gzipped []byte) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	body := gzipped
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
	} else {
		var err error
		if body, err = plain(); err != nil {
			writeError(w, r, err)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
