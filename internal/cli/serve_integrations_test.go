package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeCheckConfigIntegrations: --check-config validates the integrations file too; a bad
// entry stops start-up with exit status 1 and an error naming it.
func TestServeCheckConfigIntegrations(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("spool_dir: "+dir+"\npublishers:\n  - {name: out, type: file, file: {dir: "+dir+"}}\nroutes:\n  - {from: simulate, to: [out]}\n"), 0o644)
	code, out, errb := runWithEnv(context.Background(), nil, "serve", "--check-config", "--integrations", good)
	if code != 0 || !strings.Contains(out.String(), "integrations: 0 connectors, 1 publishers, 1 routes") {
		t.Errorf("good file: %d %q %q", code, out.String(), errb.String())
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("spool_dir: "+dir+"\npublishers:\n  - {name: out, type: webhook, webhook: {url: 'htp://x', secret: s}}\n"), 0o644)
	for _, args := range [][]string{{"serve", "--check-config", "--integrations", bad}, {"serve", "--addr", "127.0.0.1:0", "--integrations", bad}} {
		code, _, errb = runWithEnv(context.Background(), nil, args...)
		if code != 1 || !strings.Contains(errb.String(), `publishers[0] "out": webhook.url: "htp://x"`) {
			t.Errorf("%v: %d %q", args, code, errb.String())
		}
	}
}
