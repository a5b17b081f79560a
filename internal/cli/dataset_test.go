package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mfn/dataset"
)

func TestDatasetPresetCSVAndInspect(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "small.csv")
	code, stdout, stderr := run(t, "", "dataset", "--preset", "small", "--out", out, "--workers", "2")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "Rows: 10 of 10 requested") || !strings.Contains(stderr, "progress: 10/10 samples") {
		t.Fatalf("stdout %q stderr %q", stdout, stderr)
	}
	data, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 11 || !strings.HasPrefix(lines[1], "0,scientific_small,32,50,0.15,True,42,0.0,0.0,-70.92857668376809,-62.93740758550724,-69.80622579323571,") {
		t.Fatalf("csv: %d lines, row 0 %q", len(lines), lines[1])
	}
	var meta dataset.Metadata
	mb, _ := os.ReadFile(out + ".meta.json")
	if err := json.Unmarshal(mb, &meta); err != nil || meta.NumRows != 10 || meta.NumColumns != 28 {
		t.Fatalf("sidecar: %v %+v", err, meta)
	}
	if _, err := os.Stat(out + ".partial"); !os.IsNotExist(err) {
		t.Error("checkpoint left behind after a complete run")
	}
	code, stdout, _ = run(t, "", "inspect", out)
	if code != 0 || !strings.Contains(stdout, "Rows: 10  Columns: 28") || !strings.Contains(stdout, "Constant features") ||
		!strings.Contains(stdout, "features are constant over 10 rows") || strings.Contains(stdout, "All sanity checks passed") {
		t.Fatalf("inspect: %d %s", code, stdout)
	}
}

func TestDatasetSamplerParquetSweepFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "d.parquet")
	if code, _, stderr := run(t, "", "dataset", "--sampler", "demo", "--samples", "4", "--out", out, "--quiet"); code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	tbl, err := dataset.ReadFile(out)
	if err != nil || tbl.Rows != 4 || len(tbl.Columns) != 31 || tbl.Meta == nil || tbl.Meta.Generator != "sampler" {
		t.Fatalf("parquet: %v %+v", err, tbl)
	}
	sweep := filepath.Join(dir, "s.json")
	os.WriteFile(sweep, []byte(`{"grid_sizes":[16],"steps_list":[5,6],"alpha_values":[0.1],"turing_values":[true],"seeds_per_config":1}`), 0o644)
	code, stdout, stderr := run(t, "", "dataset", "--sweep", sweep, "--out", filepath.Join(dir, "s.csv"), "--quiet")
	if code != 0 || !strings.Contains(stdout, "Rows: 2 of 2") {
		t.Fatalf("sweep: %d %s %s", code, stdout, stderr)
	}
}

func TestDatasetBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"alpha_values":[0.5]}`), 0o644)
	wrongType := filepath.Join(dir, "type.json")
	os.WriteFile(wrongType, []byte(`{"steps_list":"50"}`), 0o644)
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--preset", "huge"}, 2, `unknown preset "huge"`},
		{[]string{"--preset", "small", "--sampler", "demo"}, 2, "exactly one of"},
		{[]string{}, 2, "exactly one of"},
		{[]string{"--sweep", bad}, 1, "alpha_values[0]=0.5: must be in [0.05, 0.25)"},
		{[]string{"--sweep", wrongType}, 1, `field "steps_list": got a JSON string`},
		{[]string{"--sweep", filepath.Join(dir, "missing.json")}, 1, "neither a sweep file nor one of"},
		{[]string{"--preset", "small", "--out", "x.txt"}, 2, "must end in .parquet or .csv"},
		{[]string{"--preset", "small", "--out", filepath.Join(blocker, "x.csv")}, 1, "does not exist or is not a directory"},
		{[]string{"--preset", "small", "--out", filepath.Join(dir, "nonexistent", "x.csv")}, 1, "nonexistent does not exist"},
		{[]string{"--sampler", "demo", "--samples", "0"}, 2, "--samples=0: must be in [1, "},
		{[]string{"--preset", "small", "--seed", "-1"}, 2, "--seed=-1"},
		{[]string{"--sampler", "demo", "--samples", "-3"}, 2, "--samples=-3"},
		{[]string{"--preset", "small", "--workers", "-1"}, 2, "--workers=-1"},
	} {
		code, _, stderr := run(t, "", append([]string{"dataset", "--quiet"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: code %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr, c.want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 { // bad.json, type.json and file: nothing written
		t.Errorf("files left behind: %v", entries)
	}
	if code, _, stderr := run(t, "", "inspect", filepath.Join(dir, "bad.json")); code == 0 || !strings.Contains(stderr, "not a .parquet or .csv") {
		t.Errorf("inspect json: %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "", "inspect", blocker+".parquet"); code == 0 || !strings.Contains(stderr, "no such file") {
		t.Errorf("inspect missing: %d %s", code, stderr)
	}
}

// A run interrupted by an existing checkpoint refuses to start over unless asked to resume.
func TestDatasetRefusesToOverwriteACheckpoint(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	os.WriteFile(out+".partial", []byte(`{"mfn_dataset_checkpoint":"1","run":"someone else","timestamp":"t"}`+"\n"), 0o644)
	if code, _, stderr := run(t, "", "dataset", "--preset", "small", "--out", out, "--quiet"); code != 1 || !strings.Contains(stderr, "--resume") {
		t.Fatalf("%d %s", code, stderr)
	}
	if code, _, stderr := run(t, "", "dataset", "--preset", "small", "--out", out, "--quiet", "--resume"); code != 1 || !strings.Contains(stderr, "different run") {
		t.Fatalf("%d %s", code, stderr)
	}
}

func TestDatasetHelpShowsNoSentinelDefault(t *testing.T) {
	_, _, stderr := run(t, "", "dataset", "-h")
	if !strings.Contains(stderr, "the generator's, 42") || strings.Contains(stderr, "(default -1)") || strings.Contains(stderr, "(default 0)") {
		t.Errorf("dataset -h: %s", stderr)
	}
}

// inspect on a CSV that is not a dataset says so (instead of passing the sanity checks), and
// names the columns it leaves out; a duplicated column name is an error, not a lost column.
func TestInspectForeignCSV(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "foreign.csv")
	os.WriteFile(foreign, []byte("a,b,label\n1,2,x\n3,5,y\n"), 0o644)
	code, stdout, stderr := run(t, "", "inspect", foreign)
	if code != 0 || !strings.Contains(stdout, "not an MFN dataset") || !strings.Contains(stdout, `column "label" is not numeric`) ||
		strings.Contains(stdout, "All sanity checks passed") {
		t.Errorf("foreign csv: %d %s %s", code, stdout, stderr)
	}
	partial := filepath.Join(dir, "partial.csv")
	os.WriteFile(partial, []byte("D_box,V_min\n1.5,-70\n1.6,-71\n"), 0o644)
	if _, stdout, _ := run(t, "", "inspect", partial); !strings.Contains(stdout, "16 of the 18 features missing") {
		t.Errorf("partial csv: %s", stdout)
	}
	dup := filepath.Join(dir, "dup.csv")
	os.WriteFile(dup, []byte("a,b,a\n1,2,3\n"), 0o644)
	if code, _, stderr := run(t, "", "inspect", dup); code != 1 || !strings.Contains(stderr, `columns 1 and 3 are both named "a"`) {
		t.Errorf("duplicate column: %d %s", code, stderr)
	}
}
