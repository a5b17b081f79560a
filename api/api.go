// Package api holds the HTTP contract of `mfn serve`: openapi.yaml (OpenAPI 3.0), served as
// JSON at /openapi.json and rendered at /docs. Both are generated from the YAML at
// development time by package docspage and embedded gzipped (openapi.json.gz, docs.html.gz):
// after editing openapi.yaml, run
//
//	go test ./api/docspage -run TestGeneratedAreCurrent -update
//
// and TestGeneratedAreCurrent fails while either file is stale.
package api

import (
	_ "embed"

	"mfn/internal/gzdata"
)

var (
	//go:embed openapi.json.gz
	openAPIJSONGzip []byte
	//go:embed docs.html.gz
	docsHTMLGzip []byte
)

// OpenAPIJSON is the contract as JSON, mapping keys in the order the YAML writes them.
var OpenAPIJSON = gzdata.Lazy("api/openapi.json.gz", openAPIJSONGzip)

// OpenAPIJSONGzip is OpenAPIJSON gzipped, as embedded (for clients that accept gzip).
func OpenAPIJSONGzip() []byte { return openAPIJSONGzip }

// DocsHTML is the /docs page.
var DocsHTML = gzdata.Lazy("api/docs.html.gz", docsHTMLGzip)

// DocsHTMLGzip is DocsHTML gzipped, as embedded.
func DocsHTMLGzip() []byte { return docsHTMLGzip }
