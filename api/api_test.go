package api

import (
	"bytes"
	"encoding/json"
	"testing"

	"mfn/internal/gzdata"
)

// The embedded files decompress to the contract (JSON, OpenAPI 3.0.3, with paths) and the
// /docs page, and the gzipped forms are what the plain ones compress from.
func TestEmbeddedContractAndPage(t *testing.T) {
	spec, err := OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil || doc.OpenAPI != "3.0.3" || doc.Paths["/simulate"] == nil {
		t.Fatalf("contract: %v, openapi %q, %d paths", err, doc.OpenAPI, len(doc.Paths))
	}
	page, err := DocsHTML()
	if err != nil || !bytes.HasPrefix(page, []byte("<!doctype html>")) || !bytes.Contains(page, []byte("/simulate")) {
		t.Fatalf("page: %v, %.40q", err, page)
	}
	for _, f := range []struct {
		plain, gzipped []byte
	}{{spec, OpenAPIJSONGzip()}, {page, DocsHTMLGzip()}} {
		if got, err := gzdata.Decompress(f.gzipped); err != nil || !bytes.Equal(got, f.plain) {
			t.Errorf("the gzipped form is not the plain one: %v", err)
		}
	}
}
