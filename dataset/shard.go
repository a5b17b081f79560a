package dataset

import (
	"cmp"
	"container/heap"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Shard names the I-th of N disjoint parts of a dataset (0 <= I < N).
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// MaxShards bounds N: more shards than samples would leave parts empty.
const MaxShards = 10000

// ParseShard reads "I/N".
func ParseShard(s string) (Shard, error) {
	var sh Shard
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return sh, fmt.Errorf("--shard=%q: want I/N, e.g. 0/4 (the first of 4 parts)", s)
	}
	sh = Shard{i, n}
	return sh, sh.Validate()
}

// Validate checks 0 <= I < N <= MaxShards.
func (s Shard) Validate() error {
	if s.Count < 1 || s.Count > MaxShards {
		return fmt.Errorf("--shard=%d/%d: N must be in [1, %d]", s.Index, s.Count, MaxShards)
	}
	if s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("--shard=%d/%d: I must be in [0, %d] (shards are numbered from 0)", s.Index, s.Count, s.Count-1)
	}
	return nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// PartName is the file name of the shard's part: part-00003-of-00016.parquet. Its fixed width
// makes a listing sort in shard order.
func (s Shard) PartName(format string) string {
	return fmt.Sprintf("part-%05d-of-%05d.%s", s.Index, s.Count, format)
}

var partName = regexp.MustCompile(`^part-(\d{5})-of-(\d{5})\.(parquet|csv)$`)

// ParsePartName reads a part's file name back: the shard and the format.
func ParsePartName(name string) (Shard, string, bool) {
	m := partName.FindStringSubmatch(name)
	if m == nil {
		return Shard{}, "", false
	}
	i, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	s := Shard{i, n}
	return s, m[3], s.Validate() == nil
}

// JobCost estimates the work of a job: the simulation and the streamed features both cost
// O(grid² × steps). It is a relative weight, used only to balance shards.
func JobCost(j Job) int64 {
	return int64(j.GridSize) * int64(j.GridSize) * int64(max(j.Steps, 1))
}

// Assign splits the jobs of a plan into n shards of nearly equal cost: jobs are taken from the
// most to the least costly (ties in job order) and each goes to the shard with the least cost so
// far (ties to the lowest shard). This is Graham's LPT rule, within 4/3 of the best makespan; it
// depends only on the plan and n, never on the number of workers or machines. The assignment is
// NOT stable when n changes: a run must keep its n from start to merge. The result holds each
// shard's job indices in increasing order.
func Assign(p *Plan, n int) [][]int {
	order := make([]int, len(p.Jobs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(JobCost(p.Jobs[b]), JobCost(p.Jobs[a])) })
	shards := make([][]int, n)
	h := make(loads, n)
	for s := range h {
		h[s] = shardLoad{shard: s}
	}
	for _, i := range order {
		// h[0] is the least loaded shard (the lowest one among equals): it takes the job.
		shards[h[0].shard] = append(shards[h[0].shard], i)
		h[0].cost += JobCost(p.Jobs[i])
		heap.Fix(&h, 0)
	}
	for _, s := range shards {
		slices.Sort(s)
	}
	return shards
}

// ShardPlan is the plan of one shard: the shard's jobs, in job order, with their sim_ids.
// Generating it gives exactly the rows the full plan gives for those jobs.
func ShardPlan(p *Plan, s Shard) (*Plan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Count > len(p.Jobs) {
		return nil, fmt.Errorf("--shard=%s: %d shards for %d samples would leave shards empty: use at most %d", s, s.Count, len(p.Jobs), len(p.Jobs))
	}
	sp := *p
	sp.Jobs = nil
	for _, i := range Assign(p, s.Count)[s.Index] {
		sp.Jobs = append(sp.Jobs, p.Jobs[i])
	}
	return &sp, nil
}

// ShardCost is the summed JobCost of a plan's jobs.
func ShardCost(p *Plan) int64 {
	var c int64
	for _, j := range p.Jobs {
		c += JobCost(j)
	}
	return c
}

type shardLoad struct {
	shard int
	cost  int64
}

// loads is a min-heap of shards by (cost, shard).
type loads []shardLoad

func (h loads) Len() int { return len(h) }
func (h loads) Less(a, b int) bool {
	return h[a].cost < h[b].cost || (h[a].cost == h[b].cost && h[a].shard < h[b].shard)
}
func (h loads) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *loads) Push(x any)   { *h = append(*h, x.(shardLoad)) }
func (h *loads) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
