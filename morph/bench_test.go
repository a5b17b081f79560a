package morph

import (
	"context"

	"mfn/field"
	"testing"
)

func BenchmarkRunLabyrinth64x100(b *testing.B) {
	p, _ := LookupPreset("labyrinth")
	c := p.Config
	c.Steps = 100
	for b.Loop() {
		if _, err := Run(context.Background(), c, RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkV41Engine64x100(b *testing.B) {
	c := field.DefaultConfig()
	for b.Loop() {
		if _, err := field.Run(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunSpots64x100(b *testing.B) {
	p, _ := LookupPreset("spots")
	c := p.Config
	c.Steps = 100
	for b.Loop() {
		if _, err := Run(context.Background(), c, RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
