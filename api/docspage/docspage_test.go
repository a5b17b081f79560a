package docspage

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"mfn/api"
)

var update = flag.Bool("update", false, "rewrite api/docs.html from api/openapi.yaml")

// TestPageIsCurrent keeps the embedded page equal to what the contract renders to.
func TestPageIsCurrent(t *testing.T) {
	spec, err := api.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	page, err := Render(spec)
	if err != nil {
		t.Fatal(err)
	}
	const path = "../docs.html"
	if *update {
		if err := os.WriteFile(path, page, 0o644); err != nil {
			t.Fatal(err)
		}
		return // the embedded copy is the old one until the next build
	}
	if !bytes.Equal(page, api.DocsHTML) {
		t.Fatalf("api/docs.html is stale: run go test ./api/docspage -run TestPageIsCurrent -update")
	}
}

// The page escapes what the contract says and resolves component references.
func TestRenderEscapesAndResolves(t *testing.T) {
	spec := `{"info":{"title":"T <x>","version":"1","description":"d"},
	"paths":{"/a":{"post":{"summary":"s & t","requestBody":{"$ref":"#/components/requestBodies/B"},
	"responses":{"200":{"description":"ok"}}}}},
	"components":{"requestBodies":{"B":{"content":{"application/json":{"schema":{"type":"string","example":"<script>"}}}}}}}`
	page, err := Render([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{"T &lt;x&gt;", "s &amp; t", "&#34;type&#34;: &#34;string&#34;", `\u003cscript\u003e`, `id="POST/a"`} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(s, "<script>") || strings.Contains(s, "$ref") {
		t.Errorf("page has unescaped or unresolved text:\n%s", s)
	}
	if _, err := Render([]byte("{")); err == nil {
		t.Error("Render accepted malformed JSON")
	}
}
