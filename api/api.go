// Package api holds the HTTP contract of `mfn serve`: openapi.yaml (OpenAPI 3.0), served at
// /openapi.json and /docs, and checked against the real responses by the server's tests.
package api

import _ "embed"

// OpenAPI is the contract, as written (YAML).
//
//go:embed openapi.yaml
var OpenAPI []byte

// DocsHTML is the /docs page, rendered from the contract by package docspage (which keeps it
// current: go test ./api/docspage -run TestPageIsCurrent -update).
//
//go:embed docs.html
var DocsHTML []byte
