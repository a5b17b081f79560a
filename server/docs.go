package server

import (
	"net/http"
	"strconv"

	"mfn/api"
)

// apiDocs is the contract (api/openapi.yaml) as JSON for /openapi.json, and the /docs page
// rendered from it at development time (api/docspage: self-contained, no script, nothing
// fetched from elsewhere).
type apiDocs struct {
	json []byte
	html []byte
}

func loadDocs() (*apiDocs, error) {
	spec, err := api.OpenAPIJSON()
	if err != nil {
		return nil, err
	}
	return &apiDocs{json: spec, html: api.DocsHTML}, nil
}

func handleOpenAPI(d *apiDocs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(d.json)))
		_, _ = w.Write(d.json)
	})
}

func handleDocs(d *apiDocs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		h.Set("Content-Length", strconv.Itoa(len(d.html)))
		_, _ = w.Write(d.html)
	})
}
