// Package docspage generates, from the contract (api/openapi.yaml), the two files the binary
// embeds gzipped: the contract as JSON (api/openapi.json.gz, served at /openapi.json) and the
// /docs page (api/docs.html.gz). The page is static, so it is rendered here,
// at development time, rather than at start-up: html/template calls methods by name through
// reflection, and a binary that links it keeps every exported method of every type, which
// cost the full build ~11 MB (docs/adr/0031-lean-builds-and-image.md).
//
// After editing api/openapi.yaml, regenerate with
//
//	go test ./api/docspage -run TestGeneratedAreCurrent -update
//
// TestGeneratedAreCurrent fails while api/docs.html.gz or api/openapi.json.gz differs from
// what Render and ContractJSON give.
package docspage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
)

// docOperation is one operation as the /docs page lists it.
type docOperation struct {
	Method, Path, Summary, Description string
	Public                             bool
	Request                            string
	Responses                          []docResponse
}

type docResponse struct{ Status, Description, Schema string }

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
code,pre{background:#f4f4f4;border-radius:3px}pre{padding:.6rem;overflow:auto}
.op{border-top:1px solid #ddd;padding-top:.5rem;margin-top:1.2rem}.m{font-weight:bold;text-transform:uppercase;margin-right:.5rem}
.pub{color:#070;font-size:.85em}.auth{color:#a50;font-size:.85em}</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p>Machine-readable contract: <a href="/openapi.json">/openapi.json</a>.</p>
<pre>{{.Description}}</pre>
<h2>Operations</h2><ul>{{range .Ops}}<li><a href="#{{.Method}}{{.Path}}"><code>{{.Method}} {{.Path}}</code></a> — {{.Summary}}</li>{{end}}</ul>
{{range .Ops}}<div class="op" id="{{.Method}}{{.Path}}"><h3><span class="m">{{.Method}}</span><code>{{.Path}}</code>
{{if .Public}}<span class="pub">public</span>{{else}}<span class="auth">X-API-Key</span>{{end}}</h3>
<p>{{.Summary}}</p>{{if .Description}}<pre>{{.Description}}</pre>{{end}}
{{if .Request}}<h4>Request body</h4><pre>{{.Request}}</pre>{{end}}
<h4>Responses</h4><ul>{{range .Responses}}<li><b>{{.Status}}</b> {{.Description}}{{if .Schema}}<pre>{{.Schema}}</pre>{{end}}</li>{{end}}</ul></div>
{{end}}</body></html>
`))

// Render builds the /docs page from the contract's JSON form, resolving component
// references so that every request and response schema is shown in full.
func Render(specJSON []byte) ([]byte, error) {
	var doc struct {
		Info       struct{ Title, Version, Description string } `json:"info"`
		Paths      orderedObject                                `json:"paths"`
		Components map[string]map[string]json.RawMessage        `json:"components"`
	}
	if err := json.Unmarshal(specJSON, &doc); err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: %w", err)
	}
	resolve := func(raw json.RawMessage) string {
		v := resolveRefs(raw, doc.Components, 0)
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	}
	var ops []docOperation
	for _, p := range doc.Paths {
		var methods orderedObject
		if err := json.Unmarshal(p.value, &methods); err != nil {
			return nil, err
		}
		for _, m := range methods {
			var op struct {
				Summary, Description string
				Security             *[]any `json:"security"`
				RequestBody          json.RawMessage
				Responses            orderedObject
			}
			if err := json.Unmarshal(m.value, &op); err != nil {
				return nil, err
			}
			d := docOperation{Method: strings.ToUpper(m.key), Path: p.key, Summary: op.Summary, Description: op.Description,
				Public: op.Security != nil && len(*op.Security) == 0}
			if op.RequestBody != nil {
				d.Request = resolve(op.RequestBody)
			}
			for _, r := range op.Responses {
				var resp map[string]any
				_ = json.Unmarshal(r.value, &resp)
				res, _ := resolveRefs(r.value, doc.Components, 0).(map[string]any)
				desc, _ := res["description"].(string)
				schema := ""
				if c, ok := res["content"]; ok {
					b, _ := json.MarshalIndent(c, "", "  ")
					schema = string(b)
				}
				d.Responses = append(d.Responses, docResponse{Status: r.key, Description: desc, Schema: schema})
			}
			ops = append(ops, d)
		}
	}
	var buf bytes.Buffer
	err := docsTemplate.Execute(&buf, map[string]any{"Title": doc.Info.Title, "Version": doc.Info.Version,
		"Description": doc.Info.Description, "Ops": ops})
	return buf.Bytes(), err
}

// resolveRefs decodes raw and replaces every {"$ref": "#/components/<kind>/<name>"} by the
// component it names.
func resolveRefs(raw json.RawMessage, comps map[string]map[string]json.RawMessage, depth int) any {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	return resolveValue(v, comps, depth)
}

func resolveValue(v any, comps map[string]map[string]json.RawMessage, depth int) any {
	if depth > 16 {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
			if len(parts) == 2 {
				if raw, ok := comps[parts[0]][parts[1]]; ok {
					return resolveRefs(raw, comps, depth+1)
				}
			}
			return x
		}
		for k, e := range x {
			x[k] = resolveValue(e, comps, depth+1)
		}
	case []any:
		for i, e := range x {
			x[i] = resolveValue(e, comps, depth+1)
		}
	}
	return v
}

// orderedObject is a JSON object decoded with its keys in document order.
type orderedObject []struct {
	key   string
	value json.RawMessage
}

func (o *orderedObject) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("expected an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		*o = append(*o, struct {
			key   string
			value json.RawMessage
		}{t.(string), v})
	}
	return nil
}
