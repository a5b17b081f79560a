package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"mfn/dataset"
	"mfn/internal/blobstore"
	"mfn/internal/buildinfo"
)

// reexecArgs, when set in the environment, makes the test binary run mfn with those
// arguments (JSON) instead of the tests: each shard of a test is a separate process.
const reexecArgs = "MFN_CLI_TEST_ARGS"

func TestMain(m *testing.M) {
	if a := os.Getenv(reexecArgs); a != "" {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(Run(context.Background(), args, os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(m.Run())
}

// mfnProcess starts mfn with args in a separate process (this test binary, re-executed).
func mfnProcess(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), reexecArgs+"="+string(a)), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// runShards runs the n shards of a dataset as n concurrent processes and waits for them.
func runShards(t *testing.T, env []string, n int, args ...string) {
	t.Helper()
	var cmds []*exec.Cmd
	for i := range n {
		cmds = append(cmds, mfnProcess(t, env, append(slices.Clone(args), "--shard", fmt.Sprintf("%d/%d", i, n))...))
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("shard %d/%d: %v\n%s", i, n, err, c.Stdout.(*bytes.Buffer))
		}
	}
}

const shardTestSweep = `{"grid_sizes":[16,24],"steps_list":[10,30],"alpha_values":[0.1,0.15],"turing_values":[true,false],"seeds_per_config":2}`

// sameTables fails unless two Parquet files hold the same columns and values (bit for bit;
// NaN equals NaN).
func sameTables(t *testing.T, a, b *dataset.Table) {
	t.Helper()
	if !slices.Equal(a.Columns, b.Columns) || a.Rows != b.Rows {
		t.Fatalf("%s: %d rows %v; %s: %d rows %v", a.Path, a.Rows, a.Columns, b.Path, b.Rows, b.Columns)
	}
	for name, va := range a.Numeric {
		vb := b.Numeric[name]
		for i := range va {
			if math.Float64bits(va[i]) != math.Float64bits(vb[i]) && !(math.IsNaN(va[i]) && math.IsNaN(vb[i])) {
				t.Fatalf("column %s row %d: %v vs %v", name, i, va[i], vb[i])
			}
		}
	}
	for name, va := range a.Strings {
		if !slices.Equal(va, b.Strings[name]) {
			t.Fatalf("column %s differs", name)
		}
	}
}

// The done-when check: a sweep run as one process and as 4 shards in 4 processes, merged,
// gives the single run's file (CSV byte for byte, Parquet value for value).
func TestShardedSweepMergesToTheSingleRun(t *testing.T) {
	dir := t.TempDir()
	sweep := filepath.Join(dir, "sweep.json")
	os.WriteFile(sweep, []byte(shardTestSweep), 0o644)
	ts := "2026-01-02T03:04:05Z"
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			single := filepath.Join(dir, "single."+format)
			if code, _, stderr := run(t, "", "dataset", "--sweep", sweep, "--out", single, "--timestamp", ts, "--quiet"); code != 0 {
				t.Fatal(stderr)
			}
			parts := filepath.Join(dir, "parts."+format)
			runShards(t, nil, 4, "dataset", "--sweep", sweep, "--out", parts, "--timestamp", ts, "--quiet", "--workers", "1")
			code, stdout, stderr := run(t, "", "dataset", "status", parts)
			if code != 0 || !strings.Contains(stdout, "4 shards: 4 complete, 0 partial, 0 missing") {
				t.Fatalf("status: %d %s %s", code, stdout, stderr)
			}
			merged := filepath.Join(dir, "merged."+format)
			if code, _, stderr := run(t, "", "dataset", "merge", parts, "--out", merged, "--seal"); code != 0 {
				t.Fatal(stderr)
			}
			if format == "csv" {
				a, _ := os.ReadFile(single)
				b, _ := os.ReadFile(merged)
				if !bytes.Equal(a, b) || len(a) == 0 {
					t.Fatalf("merged CSV (%d bytes) differs from the single run's (%d bytes)", len(b), len(a))
				}
			} else {
				a, err1 := dataset.ReadFile(single)
				b, err2 := dataset.ReadFile(merged)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				sameTables(t, a, b)
				if b.Meta == nil || b.Meta.RunID != a.Meta.RunID || b.Meta.Shard != nil || b.Meta.NumRows != 32 {
					t.Fatalf("merged metadata: %+v", b.Meta)
				}
			}
			for _, f := range []string{"_SUCCESS", "_mfn_metadata.json"} {
				if _, err := os.Stat(filepath.Join(parts, f)); err != nil {
					t.Errorf("--seal: %v", err)
				}
			}
		})
	}
}

// fakeS3 serves an S3-compatible store with a bucket "mfn" for the test; it returns the URL
// query that points s3:// URLs at it and the environment of processes that use it.
func fakeS3(t *testing.T) (query string, env []string) {
	t.Helper()
	if !buildinfo.Has("s3") {
		t.Skip("s3:// is not in this build (-tags nos3); internal/blobstore tests its refusal")
	}
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	if err := backend.CreateBucket("mfn"); err != nil {
		t.Fatal(err)
	}
	env = []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return "?endpoint=" + srv.URL + "&use_path_style=true&disable_https=true&region=us-east-1", env
}

// The same through an S3-compatible server: 4 shard processes write to s3://, the merge
// reads the parts from it and writes the merged file back.
func TestShardedSweepThroughS3(t *testing.T) {
	q, env := fakeS3(t)
	dir := t.TempDir()
	sweep := filepath.Join(dir, "sweep.json")
	os.WriteFile(sweep, []byte(shardTestSweep), 0o644)
	ts := "2026-01-02T03:04:05Z"
	single := filepath.Join(dir, "single.parquet")
	if code, _, stderr := run(t, "", "dataset", "--sweep", sweep, "--out", single, "--timestamp", ts, "--quiet"); code != 0 {
		t.Fatal(stderr)
	}
	parts := "s3://mfn/runs/sweep.parquet" + q
	runShards(t, env, 4, "dataset", "--sweep", sweep, "--out", parts, "--timestamp", ts, "--quiet", "--workers", "1")
	if code, stdout, stderr := run(t, "", "dataset", "status", parts); code != 0 || !strings.Contains(stdout, "4 complete") {
		t.Fatalf("status: %d %s %s", code, stdout, stderr)
	}
	merged := "s3://mfn/runs/merged.parquet" + q
	if code, _, stderr := run(t, "", "dataset", "merge", parts, "--out", merged); code != 0 {
		t.Fatal(stderr)
	}
	// Nothing but the parts, their sidecars and the merged file: journals and progress records
	// of finished shards are gone.
	d, err := blobstore.OpenDir(context.Background(), "s3://mfn/runs"+q, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	data, err := d.ReadAll(context.Background(), "merged.parquet", 1<<26)
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(dir, "merged.parquet")
	os.WriteFile(local, data, 0o644)
	a, err1 := dataset.ReadFile(single)
	b, err2 := dataset.ReadFile(local)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	sameTables(t, a, b)
	pd, _ := blobstore.OpenDir(context.Background(), parts, false)
	defer pd.Close()
	objs, err := pd.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.Name)
	}
	if len(names) != 8 || names[0] != "_part-00000-of-00004.parquet.meta.json" || names[7] != "part-00003-of-00004.parquet" {
		t.Fatalf("objects in the run's directory: %v", names)
	}
}

// merge refuses a missing shard, a duplicate shard and a part of another run, and names the
// file at fault.
func TestMergeRefusesBadParts(t *testing.T) {
	dir := t.TempDir()
	sweep := filepath.Join(dir, "sweep.json")
	os.WriteFile(sweep, []byte(`{"grid_sizes":[16],"steps_list":[5,8],"alpha_values":[0.1],"turing_values":[true],"seeds_per_config":3}`), 0o644)
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	for i := range 3 {
		sh := fmt.Sprintf("%d/3", i)
		if code, _, stderr := run(t, "", "dataset", "--sweep", sweep, "--out", a, "--shard", sh, "--quiet"); code != 0 {
			t.Fatal(stderr)
		}
		// b: the same sweep with another seed, i.e. another run.
		if code, _, stderr := run(t, "", "dataset", "--sweep", sweep, "--seed", "7", "--out", b, "--shard", sh, "--quiet"); code != 0 {
			t.Fatal(stderr)
		}
	}
	part := func(d string, i int) string {
		return filepath.Join(d, dataset.Shard{Index: i, Count: 3}.PartName("csv"))
	}
	// A copy of shard 1 under another directory: a duplicate under another name.
	dup := filepath.Join(dir, "copy")
	os.MkdirAll(dup, 0o755)
	for _, f := range []string{"part-00001-of-00003.csv", "_part-00001-of-00003.csv.meta.json"} {
		data, _ := os.ReadFile(filepath.Join(a, f))
		os.WriteFile(filepath.Join(dup, f), data, 0o644)
	}
	out := filepath.Join(dir, "m.csv")
	for _, c := range []struct {
		name  string
		parts []string
		want  string
	}{
		{"missing", []string{part(a, 0), part(a, 2)}, "shard 1/3 is missing: no part-00001-of-00003.csv"},
		{"duplicate", []string{part(a, 0), part(a, 1), part(dup, 1), part(a, 2)}, part(dup, 1) + ": duplicate of shard 1/3, already given as " + part(a, 1)},
		{"foreign", []string{part(a, 0), part(b, 1), part(a, 2)}, part(b, 1) + ": part of another run"},
	} {
		code, _, stderr := run(t, "", append(append([]string{"dataset", "merge"}, c.parts...), "--out", out)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: code %d, stderr %q, want %q", c.name, code, stderr, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: a merged file was written", c.name)
		}
	}
	if code, _, stderr := run(t, "", "dataset", "merge", a, "--out", out); code != 0 {
		t.Fatalf("the complete set: %s", stderr)
	}
}

// A shard killed mid-run is partial in `dataset status`; the same command with --resume
// continues from its journal, and the merged result is still the single run's.
func TestShardResumesAfterAKill(t *testing.T) {
	dir := t.TempDir()
	sweep := filepath.Join(dir, "sweep.json")
	os.WriteFile(sweep, []byte(`{"grid_sizes":[96],"steps_list":[200],"alpha_values":[0.1,0.15],"turing_values":[true],"seeds_per_config":60}`), 0o644)
	ts := "2026-01-02T03:04:05Z"
	parts := filepath.Join(dir, "parts.csv")
	args := []string{"dataset", "--sweep", sweep, "--out", parts, "--timestamp", ts, "--quiet", "--workers", "1", "--resume"}
	if code, _, stderr := run(t, "", append(args, "--shard", "0/2")...); code != 0 {
		t.Fatal(stderr)
	}
	journal := filepath.Join(parts, "_part-00001-of-00002.csv.partial")
	lines := func() int { data, _ := os.ReadFile(journal); return bytes.Count(data, []byte("\n")) }
	for attempt := 1; !killMidRun(t, nil, append(args, "--shard", "1/2"), lines); attempt++ {
		if attempt == 3 {
			t.Fatal("the shard finished before it could be killed, 3 times")
		}
		os.Remove(filepath.Join(parts, "part-00001-of-00002.csv"))
		os.Remove(filepath.Join(parts, "_part-00001-of-00002.csv.meta.json"))
	}
	code, stdout, _ := run(t, "", "dataset", "status", parts)
	if code != 3 || !strings.Contains(stdout, "2 shards: 1 complete, 1 partial, 0 missing") {
		t.Fatalf("status after the kill: %d %s", code, stdout)
	}
	code, stdout, stderr := run(t, "", append(args, "--shard", "1/2")...)
	if code != 0 || !strings.Contains(stdout, "taken from the checkpoint") {
		t.Fatalf("resume: %d %s %s", code, stdout, stderr)
	}
	single := filepath.Join(dir, "single.csv")
	if code, _, stderr := run(t, "", "dataset", "--sweep", sweep, "--out", single, "--timestamp", ts, "--quiet"); code != 0 {
		t.Fatal(stderr)
	}
	merged := filepath.Join(dir, "merged.csv")
	if code, _, stderr := run(t, "", "dataset", "merge", parts, "--out", merged); code != 0 {
		t.Fatal(stderr)
	}
	a, _ := os.ReadFile(single)
	b, _ := os.ReadFile(merged)
	if !bytes.Equal(a, b) {
		t.Fatal("the resumed shard's merge differs from the single run")
	}
	left, _ := filepath.Glob(filepath.Join(parts, "_*.p*"))
	if len(left) != 0 {
		t.Errorf("journal or progress left after completion: %v", left)
	}
}

// Each shard's progress goes to its log with the shard's name, and to its metrics.
func TestShardProgressLogAndMetrics(t *testing.T) {
	dir := t.TempDir()
	sweep := filepath.Join(dir, "sweep.json")
	os.WriteFile(sweep, []byte(shardTestSweep), 0o644)
	code, _, stderr := run(t, "", "dataset", "--sweep", sweep, "--out", filepath.Join(dir, "p.csv"), "--shard", "1/2",
		"--metrics-addr", "127.0.0.1:0")
	if code != 0 || !strings.Contains(stderr, "shard 1/2: progress: 16/16 samples (100%)") || !strings.Contains(stderr, "metrics on http://127.0.0.1:") {
		t.Fatalf("code %d, log %q", code, stderr)
	}
	s, _ := dataset.ParseShard("1/2")
	f, _ := os.Open(sweep)
	defer f.Close()
	sw, _ := dataset.ReadSweep(f)
	p, _ := sw.Plan("sweep")
	sp, _ := dataset.ShardPlan(p, s)
	g := newShardGauges(sp, &s)
	g.done.Set(5)
	mfs, err := g.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["shard"] != "1" || labels["shards"] != "2" || labels["dataset"] != "sweep" {
			t.Errorf("%s labels %v", mf.GetName(), labels)
		}
		got[mf.GetName()] = m.GetGauge().GetValue()
	}
	if got["mfn_dataset_samples_done"] != 5 || got["mfn_dataset_samples_total"] != 16 || got["mfn_dataset_shard_cost"] != float64(dataset.ShardCost(sp)) {
		t.Errorf("metrics %v", got)
	}
}

// A shard in object storage that dies is resumed on another machine (an empty local disk) from
// the journal it uploaded to the bucket, as a retried pod of the Indexed Job is.
func TestShardResumesFromTheBucketOnAnotherMachine(t *testing.T) {
	q, env := fakeS3(t)
	dir := t.TempDir()
	sweep := filepath.Join(dir, "sweep.json")
	os.WriteFile(sweep, []byte(`{"grid_sizes":[96],"steps_list":[200],"alpha_values":[0.1,0.15],"turing_values":[true],"seeds_per_config":60}`), 0o644)
	ts := "2026-01-02T03:04:05Z"
	parts := "s3://mfn/runs/r.csv" + q
	args := []string{"dataset", "--sweep", sweep, "--out", parts, "--timestamp", ts, "--quiet", "--workers", "1", "--resume", "--sync-interval", "100ms"}
	machineA, machineB := t.TempDir(), t.TempDir()
	if code, _, stderr := run(t, "", append(args, "--shard", "0/2")...); code != 0 {
		t.Fatal(stderr)
	}
	d, err := blobstore.OpenDir(context.Background(), parts, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	lines := func() int {
		data, _ := d.ReadAll(context.Background(), "_part-00001-of-00002.csv.partial", 1<<20)
		return bytes.Count(data, []byte("\n"))
	}
	for attempt := 1; !killMidRun(t, append(slices.Clone(env), "TMPDIR="+machineA), append(args, "--shard", "1/2"), lines); attempt++ {
		if attempt == 3 {
			t.Fatal("the shard finished before it could be killed, 3 times")
		}
		d.Delete(context.Background(), "part-00001-of-00002.csv")
		d.Delete(context.Background(), "_part-00001-of-00002.csv.meta.json")
	}
	code, stdout, _ := run(t, "", "dataset", "status", parts)
	if code != 3 || !strings.Contains(stdout, "1 complete, 1 partial, 0 missing") {
		t.Fatalf("status after the kill: %d %s", code, stdout)
	}
	t.Setenv("TMPDIR", machineB)
	code, stdout, stderr := run(t, "", append(args, "--shard", "1/2")...)
	if code != 0 || !strings.Contains(stdout, "taken from the checkpoint") {
		t.Fatalf("resume on machine B: %d %s %s", code, stdout, stderr)
	}
	single := filepath.Join(dir, "single.csv")
	if code, _, stderr := run(t, "", "dataset", "--sweep", sweep, "--out", single, "--timestamp", ts, "--quiet"); code != 0 {
		t.Fatal(stderr)
	}
	merged := filepath.Join(dir, "merged.csv")
	if code, _, stderr := run(t, "", "dataset", "merge", parts, "--out", merged); code != 0 {
		t.Fatal(stderr)
	}
	a, _ := os.ReadFile(single)
	b, _ := os.ReadFile(merged)
	if !bytes.Equal(a, b) {
		t.Fatal("the merge after a resume in another place differs from the single run")
	}
}

// killMidRun starts a shard process and kills it once its journal (lines counts its lines)
// holds the header and 2 samples. It reports false when the shard finished first (a test
// process starved of CPU on a loaded machine), so that the caller can try again.
func killMidRun(t *testing.T, env, args []string, lines func() int) bool {
	t.Helper()
	cmd := mfnProcess(t, env, args...)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case <-exited:
			return false
		case <-deadline:
			t.Fatal("the shard did not journal 2 samples in 60 s")
		case <-time.After(5 * time.Millisecond):
		}
		if lines() >= 3 {
			cmd.Process.Kill()
			return <-exited != nil // nil: it had exited by itself just before
		}
	}
}

// The gm model's datasets shard and merge too (its rows carry model, preset and pattern
// columns, and its features use the adaptive thresholds in every shard as in the single run).
func TestShardedGMDatasetMergesToTheSingleRun(t *testing.T) {
	dir := t.TempDir()
	gm := []string{"dataset", "--model", "gm", "--presets", "spots,stripes", "--seeds", "3", "--grid-size", "24", "--steps", "60",
		"--timestamp", "2026-01-02T03:04:05Z", "--quiet"}
	single := filepath.Join(dir, "single.csv")
	if code, _, stderr := run(t, "", append(gm, "--out", single)...); code != 0 {
		t.Fatal(stderr)
	}
	parts := filepath.Join(dir, "parts.csv")
	for i := range 3 {
		if code, _, stderr := run(t, "", append(gm, "--out", parts, "--shard", fmt.Sprintf("%d/3", i))...); code != 0 {
			t.Fatal(stderr)
		}
	}
	merged := filepath.Join(dir, "merged.csv")
	if code, _, stderr := run(t, "", "dataset", "merge", parts, "--out", merged); code != 0 {
		t.Fatal(stderr)
	}
	a, _ := os.ReadFile(single)
	b, _ := os.ReadFile(merged)
	if !bytes.Equal(a, b) || !bytes.Contains(a, []byte("stripes")) {
		t.Fatalf("gm: the merged CSV differs from the single run's\n%s\n---\n%s", a, b)
	}
}
