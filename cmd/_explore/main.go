package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"mfn/morph"
)

func main() {
	name := os.Args[1]
	p, err := morph.LookupPreset(name)
	if err != nil {
		panic(err)
	}
	c := p.Config
	c.GridSize, _ = strconv.Atoi(os.Args[2])
	c.Steps, _ = strconv.Atoi(os.Args[3])
	for _, a := range os.Args[4:] {
		if err := c.Params.ParseParam(a); err != nil {
			panic(err)
		}
	}
	an, err := morph.Analyze(c)
	if err != nil {
		panic(err)
	}
	fmt.Printf("ss=%v turing=%v band=%v peakλ=%.2f growth=%.3f fastest=%.2f (%.3f) J=%v\n", an.SteadyState, an.Turing, an.BandWavelengthCells, an.PeakWavelengthCells, an.PeakGrowth, an.Fastest.WavelengthCells, an.Fastest.Growth, an.Jacobian)
	t := time.Now()
	r, err := morph.Run(context.Background(), c, morph.RunOptions{})
	if err != nil {
		panic(err)
	}
	m, _ := morph.PatternOf(r, c)
	fmt.Printf("%s: %v meas=%.2f pred=%.2f ratio=%.3f contrast=%.3f act=%d\n", name, time.Since(t), m.WavelengthCells, m.PredictedWavelengthCells, m.WavelengthCells/m.PredictedWavelengthCells, m.Contrast, r.TuringActivations)
	n := c.GridSize
	amax := 0.0
	for _, x := range r.Activator {
		amax = max(amax, x)
	}
	if len(os.Getenv("SHOW")) > 0 {
		for y := 0; y < n; y += 2 {
			for x := 0; x < n; x++ {
				ch := " "
				if v := r.Activator[y*n+x] / amax; v > 0.6 {
					ch = "#"
				} else if v > 0.3 {
					ch = "+"
				}
				fmt.Print(ch)
			}
			fmt.Println()
		}
	}
}
