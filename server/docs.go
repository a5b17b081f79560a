package server

import (
	"net/http"
	"strconv"

	"mfn/api"
)

// apiDocs is the contract (api/openapi.yaml) as JSON for /openapi.json and the /docs page
// rendered from it (both generated at development time by api/docspage: the page is
// self-contained, no script, nothing fetched from elsewhere), each as embedded, gzipped, and
// decompressed once at start-up for clients that do not accept gzip.
type apiDocs struct {
	json, jsonGzip []byte
	html, htmlGzip []byte
}

func loadDocs() (*apiDocs, error) {
	spec, err := api.OpenAPIJSON()
	if err != nil {
		return nil, err
	}
	page, err := api.DocsHTML()
	if err != nil {
		return nil, err
	}
	return &apiDocs{json: spec, jsonGzip: api.OpenAPIJSONGzip(), html: page, htmlGzip: api.DocsHTMLGzip()}, nil
}

func handleOpenAPI(d *apiDocs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		writeMaybeGzipped(w, r, func() ([]byte, error) { return d.json, nil }, d.jsonGzip)
	})
}

func handleDocs(d *apiDocs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		writeMaybeGzipped(w, r, func() ([]byte, error) { return d.html, nil }, d.htmlGzip)
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
