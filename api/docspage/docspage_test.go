package docspage

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"mfn/api"
	"mfn/internal/gzdata"
)

var update = flag.Bool("update", false, "rewrite api/openapi.json.gz and api/docs.html.gz from api/openapi.yaml")

// TestGeneratedAreCurrent keeps the embedded contract JSON and /docs page equal to what
// api/openapi.yaml converts and renders to.
func TestGeneratedAreCurrent(t *testing.T) {
	contract, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ContractJSON(contract)
	if err != nil {
		t.Fatal(err)
	}
	page, err := Render(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path     string
		want     []byte
		embedded func() ([]byte, error)
	}{
		{"../openapi.json.gz", spec, api.OpenAPIJSON},
		{"../docs.html.gz", page, api.DocsHTML},
	} {
		if *update {
			if err := os.WriteFile(f.path, gzdata.Compress(f.want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue // the embedded copy is the old one until the next build
		}
		got, err := f.embedded()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.want) {
			t.Errorf("api/%s is stale: run go test ./api/docspage -run TestGeneratedAreCurrent -update", f.path[3:])
		}
	}
}

// The JSON keeps the YAML's key order and types, and refuses what JSON cannot say.
func TestContractJSON(t *testing.T) {
	got, err := ContractJSON([]byte("b: 1\na: [x, 2.5, true, null, '3']\nc: {z: 1, y: ~}\n"))
	if err != nil || string(got) != `{"b":1,"a":["x",2.5,true,null,"3"],"c":{"z":1,"y":null}}` {
		t.Fatalf("got %s, %v", got, err)
	}
	for _, bad := range []string{"a: [", "a: !!int x"} {
		if _, err := ContractJSON([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
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
