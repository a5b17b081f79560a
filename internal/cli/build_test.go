package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"mfn/internal/buildinfo"
)

// mfn version names the edition: its tags and each feature in or out.
func TestVersionListsFeatures(t *testing.T) {
	code, out, _ := run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "mfn "+Version+"\n") {
		t.Fatalf("code %d: %q", code, out)
	}
	for _, f := range buildinfo.Features() {
		want := "-tags " + f.Tag + ")"
		if got := strings.Contains(out, f.Name+" ("+want); got == f.In {
			t.Errorf("%s (in %v): version output %q", f.Name, f.In, out)
		}
	}
}

// A feature this build lacks is refused before any work, with the tag named (run by CI with
// the lean tags; in the default build only the opt-in backends are missing).
func TestMissingFeaturesRefused(t *testing.T) {
	dir := t.TempDir()
	if !buildinfo.Has("parquet") {
		code, _, errOut := run(t, "", "dataset", "--preset", "small", "--out", filepath.Join(dir, "x.parquet"))
		if code != 2 || !strings.Contains(errOut, "parquet support not compiled in (built with -tags noparquet)") || !strings.Contains(errOut, "use .csv") {
			t.Errorf("dataset --out x.parquet: code %d, %q", code, errOut)
		}
	}
	if !buildinfo.Has("grpc") {
		code, _, errOut := run(t, "", "loadtest", "--grpc", "--url", "127.0.0.1:1", "--duration", "1s")
		if code != 2 || !strings.Contains(errOut, "-tags nogrpc") {
			t.Errorf("loadtest --grpc: code %d, %q", code, errOut)
		}
	}
	if !buildinfo.Has("gcs") {
		code, _, errOut := run(t, "", "dataset", "--preset", "small", "--shard", "1/2", "--out", "gs://bucket/run.csv")
		if code == 0 || !strings.Contains(errOut, "-tags gcs") {
			t.Errorf("gs:// output: code %d, %q", code, errOut)
		}
	}
}
