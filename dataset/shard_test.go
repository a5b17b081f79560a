package dataset

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
)

// Every job lands in exactly one shard, the split depends only on the plan and N, and the
// shards' costs are balanced even when job sizes differ by 64×.
func TestAssignIsDisjointDeterministicAndBalanced(t *testing.T) {
	s, _ := NamedSweep("extended") // 360 jobs: grids 32–128 × steps 50–200, a 64× spread of cost
	p, err := s.Plan("extended")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 4, 7, 16, 360} {
		shards := Assign(p, n)
		seen := make([]int, len(p.Jobs))
		var costs []int64
		for _, sh := range shards {
			if !slices.IsSorted(sh) {
				t.Fatalf("n=%d: a shard's jobs are not in job order", n)
			}
			var c int64
			for _, i := range sh {
				seen[i]++
				c += JobCost(p.Jobs[i])
			}
			costs = append(costs, c)
		}
		for i, k := range seen {
			if k != 1 {
				t.Fatalf("n=%d: job %d is in %d shards", n, i, k)
			}
		}
		if !slices.EqualFunc(shards, Assign(p, n), slices.Equal) {
			t.Fatalf("n=%d: two assignments differ", n)
		}
		lo, hi := slices.Min(costs), slices.Max(costs)
		// LPT's bound: no shard exceeds the mean by more than the largest job.
		var total int64
		for _, c := range costs {
			total += c
		}
		largest := JobCost(Job{GridSize: 128, Steps: 200})
		if hi > total/int64(n)+largest {
			t.Errorf("n=%d: costs %d..%d, mean %d: beyond LPT's bound", n, lo, hi, total/int64(n))
		}
		if n == 4 && float64(hi-lo) > 0.01*float64(hi) {
			t.Errorf("n=4: costs %v differ by more than 1%%", costs)
		}
	}
	// Contiguous ranges would give shard 0 the 32² jobs and shard 3 the 128² ones: 16× apart.
	// The cost-balanced split keeps each grid size spread over the shards.
	for k, sh := range Assign(p, 4) {
		grids := map[int]bool{}
		for _, i := range sh {
			grids[p.Jobs[i].GridSize] = true
		}
		if len(grids) != 3 {
			t.Errorf("shard %d holds grids %v only", k, grids)
		}
	}
}

// A shard's rows are the full run's rows for its jobs, whatever the number of workers.
func TestShardPlanRowsAreTheFullRunsRows(t *testing.T) {
	p := smallPlan(t)
	full, err := Generate(context.Background(), p, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []Row
	for i := range 3 {
		sp, err := ShardPlan(p, Shard{i, 3})
		if err != nil {
			t.Fatal(err)
		}
		r, err := Generate(context.Background(), sp, Options{Workers: 1 + i})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Rows...)
	}
	slices.SortFunc(got, func(a, b Row) int { return a.SimID - b.SimID })
	sameRows(t, full.Rows, got)
	if _, err := ShardPlan(p, Shard{0, 13}); err == nil || !strings.Contains(err.Error(), "use at most 12") {
		t.Errorf("13 shards of 12 samples: %v", err)
	}
}

func TestParseShardAndPartName(t *testing.T) {
	if s, err := ParseShard("3/16"); err != nil || s != (Shard{3, 16}) || s.PartName("csv") != "part-00003-of-00016.csv" {
		t.Fatalf("3/16: %v %v", s, err)
	}
	for in, want := range map[string]string{
		"16/16": "I must be in [0, 15]", "-1/4": "I must be in [0, 3]", "0/0": "N must be in [1, 10000]",
		"3": "want I/N", "a/b": "want I/N", "1/99999": "N must be in",
	} {
		if _, err := ParseShard(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
	if s, f, ok := ParsePartName("part-00002-of-00004.parquet"); !ok || s != (Shard{2, 4}) || f != "parquet" {
		t.Errorf("part name: %v %v %v", s, f, ok)
	}
	for _, bad := range []string{"part-00004-of-00004.csv", "part-1-of-4.csv", "_part-00000-of-00004.csv.meta.json", "part-00000-of-00004.json"} {
		if _, _, ok := ParsePartName(bad); ok {
			t.Errorf("%q parsed as a part", bad)
		}
	}
}

func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "3/16", "16/16", "-1/2", "1/", "/", "9999/10000", "1/2/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err == nil && (sh.Index < 0 || sh.Index >= sh.Count || sh.Count > MaxShards) {
			t.Fatalf("%q accepted as %v", s, sh)
		}
		if err == nil {
			back, f, ok := ParsePartName(sh.PartName("csv"))
			if !ok || back != sh || f != "csv" {
				t.Fatalf("%v: part name does not read back", sh)
			}
		}
	})
}

// CheckParts and the mergers never panic on parts that are not what they claim.
func FuzzMergeParts(f *testing.F) {
	f.Add([]byte("sim_id,a\n1,2\n0,3\n"), []byte("sim_id,a\n2,x\n"))
	f.Add([]byte("sim_id\n"), []byte("nope"))
	f.Add([]byte("PAR1"), []byte(""))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		meta := func(i int) *Metadata {
			return &Metadata{RunID: "r", Shard: &Shard{i, 2}, Requested: 1, PlanSamples: 2}
		}
		parts := []*Part{{Name: "a", Format: "csv", Data: a, Meta: meta(0)}, {Name: "b", Format: "csv", Data: b, Meta: meta(1)}}
		if _, err := CheckParts(parts); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		MergeCSV(&out, parts)
		ParquetMetadata(a)
		MergeParquet(&out, []*Part{{Name: "a", Format: "parquet", Data: a}}, meta(0))
	})
}
