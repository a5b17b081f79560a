package dataset

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mfn/features"
)

// Values quoted in docs/spec/core.md §15.
func TestPlans(t *testing.T) {
	med, _ := Preset("medium")
	p, err := med.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if j := p.Jobs[3]; j.Alpha != 0.15 || j.Seed != 45 {
		t.Errorf("medium sim 3: %+v", j)
	}
	if j := p.Jobs[99]; j.Alpha != 0.10 || j.Seed != 141 {
		t.Errorf("medium sim 99: %+v", j)
	}
	sp, _ := DefaultSampler().Plan(3)
	want := []Job{
		{SimID: 0, Seed: 42, GridSize: 32, Steps: 166, Alpha: 0.14388784397520524, TuringEnabled: true, SpikeProbability: 0.28947360581187276, TuringThreshold: 0.6688354695775299},
		{SimID: 1, Seed: 43, GridSize: 64, Steps: 129, Alpha: 0.1761139701990353, TuringEnabled: false, SpikeProbability: 0.30721286105539075, TuringThreshold: 0.6756227265351092},
		{SimID: 2, Seed: 44, GridSize: 64, Steps: 118, Alpha: 0.13707980242325812, TuringEnabled: true, SpikeProbability: 0.2787730240161329, TuringThreshold: 0.814552322654166},
	}
	for i, w := range want {
		if sp.Jobs[i] != w {
			t.Errorf("sampler job %d = %+v, want %+v", i, sp.Jobs[i], w)
		}
	}
	for name, n := range map[string]int{"minimal": 2, "default": 72, "extended": 360} {
		s, _ := NamedSweep(name)
		p, err := s.Plan(name)
		if err != nil || len(p.Jobs) != n {
			t.Errorf("sweep %s: %d jobs, %v", name, len(p.Jobs), err)
		}
	}
	if _, err := Preset("huge"); err == nil || !strings.Contains(err.Error(), "small, medium, large, benchmark") {
		t.Errorf("unknown preset: %v", err)
	}
}

func TestSweepFileErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"grid_sizes": "32"}`:          `field "grid_sizes": got a JSON string, want a list of integers`,
		`{"alpha_values": [0.1, 0.3]}`:  "alpha_values[1]=0.3: must be in [0.05, 0.25)",
		`{"grid_sizes": [32, 2]}`:       "grid_sizes[1]=2: must be in [4, 1024]",
		`{"steps": [10]}`:               `unknown field "steps"`,
		`{"seeds_per_config": 0}`:       "seeds_per_config=0",
		`{"grid_sizes": [32]} trailing`: "unexpected data",
		`{"turing_values": []}`:         "turing_values must not be empty",
		`{"grid_sizes": [32,}`:          "invalid JSON",
		`{"base_seed": -1}`:             `field "base_seed"`,
	} {
		_, err := ReadSweep(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", in, err, want)
		}
	}
	s, err := ReadSweep(strings.NewReader(`{"grid_sizes":[16],"steps_list":[5],"alpha_values":[0.1],"turing_values":[true],"seeds_per_config":2}`))
	if err != nil || s.count() != 2 {
		t.Fatalf("valid sweep: %+v %v", s, err)
	}
}

func smallPlan(t *testing.T) *Plan {
	t.Helper()
	s, _ := NamedSampler("demo")
	s.GridSizes, s.StepsRange = []int{16, 24}, [2]int{5, 20}
	p, err := s.Plan(12)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sameRows(t *testing.T, a, b []Row) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d rows vs %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Job != b[i].Job || a[i].GrowthEvents != b[i].GrowthEvents || a[i].ClampingEvents != b[i].ClampingEvents {
			t.Fatalf("row %d differs: %+v vs %+v", i, a[i].Job, b[i].Job)
		}
		va, vb := a[i].Features.Values(), b[i].Features.Values()
		for k := range va {
			if math.Float64bits(va[k]) != math.Float64bits(vb[k]) {
				t.Fatalf("row %d feature %d: %v vs %v", i, k, va[k], vb[k])
			}
		}
	}
}

func TestWorkersDoNotChangeTheOutput(t *testing.T) {
	p := smallPlan(t)
	one, err := Generate(context.Background(), p, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	four, _ := Generate(context.Background(), p, Options{Workers: 4})
	sameRows(t, one.Rows, four.Rows)
	var c1, c4 bytes.Buffer
	WriteCSV(&c1, p.Layout, one.Rows, &RunInfo{Version: "v", Timestamp: "t"})
	WriteCSV(&c4, p.Layout, four.Rows, &RunInfo{Version: "v", Timestamp: "t"})
	if c1.String() != c4.String() {
		t.Fatal("CSV differs between 1 and 4 workers")
	}
}

// An interrupted run resumes from its checkpoint without recomputing finished samples and
// ends with the same rows as an uninterrupted run.
func TestInterruptAndResume(t *testing.T) {
	p := smallPlan(t)
	full, _ := Generate(context.Background(), p, Options{Workers: 2})
	path := filepath.Join(t.TempDir(), "out.partial")
	run := RunID(p, features.DefaultConfig())
	cp, err := OpenCheckpoint(path, run, "stamp", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Generate(ctx, p, Options{Workers: 1, Checkpoint: cp, Progress: func(done, _ int) {
		if done == 5 {
			cancel()
		}
	}})
	cp.Close()
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if _, err := OpenCheckpoint(path, run, "other", false); !errors.Is(err, ErrCheckpointExists) {
		t.Fatalf("reopening without resume: %v", err)
	}
	if _, err := OpenCheckpoint(path, "another run", "x", true); err == nil || !strings.Contains(err.Error(), "different run") {
		t.Fatalf("resuming another run: %v", err)
	}
	cp, err = OpenCheckpoint(path, run, "other", true)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Timestamp != "stamp" {
		t.Errorf("timestamp not kept across the resumption: %q", cp.Timestamp)
	}
	res, err := Generate(context.Background(), p, Options{Workers: 2, Checkpoint: cp})
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed < 5 || res.Resumed >= len(p.Jobs) {
		t.Fatalf("resumed %d of %d", res.Resumed, len(p.Jobs))
	}
	sameRows(t, full.Rows, res.Rows)
	if err := cp.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("checkpoint not removed")
	}
}

// A crash can cut the last journal line short: the lines before it still resume.
func TestCheckpointTornLastLine(t *testing.T) {
	p := smallPlan(t)
	path := filepath.Join(t.TempDir(), "x.partial")
	run := RunID(p, features.DefaultConfig())
	cp, _ := OpenCheckpoint(path, run, "s", false)
	ctx, cancel := context.WithCancel(context.Background())
	Generate(ctx, p, Options{Workers: 1, Checkpoint: cp, Progress: func(done, _ int) {
		if done == 3 {
			cancel()
		}
	}})
	cp.Close()
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)-10], 0o644)
	cp, err := OpenCheckpoint(path, run, "s", true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(context.Background(), p, Options{Checkpoint: cp})
	if err != nil || res.Resumed < 2 {
		t.Fatalf("resumed %d: %v", res.Resumed, err)
	}
	cp.Remove()
}

func TestFailuresAreCountedAndNamed(t *testing.T) {
	p := smallPlan(t)
	p.Jobs[2].Alpha = 0.01 // the engine refuses it
	res, err := Generate(context.Background(), p, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(p.Jobs)-1 || !strings.Contains(res.Failures[2], "alpha must be in [0.05, 0.25)") {
		t.Fatalf("rows %d failures %v", len(res.Rows), res.Failures)
	}
	for i := range p.Jobs {
		p.Jobs[i].GridSize = 2
	}
	if _, err := Generate(context.Background(), p, Options{}); err == nil || !strings.Contains(err.Error(), "no successful simulations") {
		t.Fatalf("all failed: %v", err)
	}
}

func TestCSVText(t *testing.T) {
	r := Row{Job: Job{SimID: 3, ScenarioName: "s", Seed: 45, GridSize: 32, Steps: 50, Alpha: 0.15, TuringEnabled: true}}
	r.Features.VMin = math.NaN()
	r.Features.VMax = 1e16
	var b bytes.Buffer
	if err := WriteCSV(&b, LayoutScenario, []Row{r}, &RunInfo{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if lines[1] != "3,s,32,50,0.15,True,45,0.0,0.0,,1e+16,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0,0,0" {
		t.Fatalf("row text %q", lines[1])
	}
}
