package dataset

import (
	"reflect"
	"testing"

	"mfn/features"
)

// A job's row from the streamed features is the row from the recorded history, bit for bit
// (sides 32 and 64 align with numpy's chunks; the sampler's sizes and a side of 33 do not).
func TestStreamedRowsMatchHistory(t *testing.T) {
	s, err := NamedSampler("demo")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Plan(6)
	if err != nil {
		t.Fatal(err)
	}
	jobs := append([]Job(nil), p.Jobs...)
	extra := jobs[0]
	extra.GridSize, extra.Steps = 33, 45
	jobs = append(jobs, extra)
	extra.GridSize, extra.Steps, extra.TuringEnabled = 50, 7, !extra.TuringEnabled
	jobs = append(jobs, extra)
	bad := jobs[0]
	bad.Steps = 0
	jobs = append(jobs, bad)
	for _, cfg := range []features.Config{features.DefaultConfig(), features.DemoConfig()} {
		for _, j := range jobs {
			got, want := runJob(j, cfg), runJobHistory(j, cfg)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("job %+v: streamed %+v, history %+v", j, got, want)
			}
		}
	}
}
