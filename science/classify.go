package science

import (
	"context"
	"fmt"
	"math"
	"strings"

	"mfn/features"
	"mfn/morph"
)

// Sample is one labelled feature vector.
type Sample struct {
	Label string
	Seed  uint64
	X     []float64
}

// SweepConfig is a sweep over the gm presets and seeds: each preset's configuration with
// the grid and step count given here (0 keeps the preset's) and seeds 1…Seeds.
type SweepConfig struct {
	Presets   []string
	Seeds     int
	GridSize  int
	Steps     int
	Threshold features.Config
}

// Sweep simulates every preset × seed and computes the 18 features of each run's whole
// history, streamed frame by frame (features.Stream), with the model's adaptive thresholds.
func Sweep(ctx context.Context, sc SweepConfig) ([]Sample, error) {
	var out []Sample
	for _, name := range sc.Presets {
		p, err := morph.LookupPreset(name)
		if err != nil {
			return nil, err
		}
		for s := 1; s <= sc.Seeds; s++ {
			c := p.Config
			c.Seed = uint64(s)
			if sc.GridSize > 0 {
				c.GridSize = sc.GridSize
			}
			if sc.Steps > 0 {
				c.Steps = sc.Steps
			}
			st, err := features.NewStream(c.GridSize, c.Steps, sc.Threshold)
			if err != nil {
				return nil, err
			}
			if _, err := morph.Run(ctx, c, morph.RunOptions{Frame: st.Push}); err != nil {
				return nil, fmt.Errorf("preset %s seed %d: %w", name, s, err)
			}
			v, err := st.Vector()
			if err != nil {
				return nil, err
			}
			out = append(out, Sample{Label: name, Seed: c.Seed, X: v.Values()})
		}
	}
	return out, nil
}

// ConstantFeatures lists the features (by name, for the 18 standard ones) with one value
// over all samples.
func ConstantFeatures(samples []Sample) []string {
	if len(samples) == 0 {
		return nil
	}
	var out []string
	names := features.Names()
	for j := range samples[0].X {
		constant := true
		for _, s := range samples[1:] {
			if s.X[j] != samples[0].X[j] {
				constant = false
				break
			}
		}
		if constant {
			name := fmt.Sprintf("x%d", j)
			if len(samples[0].X) == len(names) {
				name = names[j]
			}
			out = append(out, name)
		}
	}
	return out
}

// Confusion is a confusion matrix: Counts[i][j] samples of Labels[i] predicted as Labels[j].
type Confusion struct {
	Labels []string
	Counts [][]int
}

// Accuracy is the fraction on the diagonal.
func (c Confusion) Accuracy() float64 {
	right, all := 0, 0
	for i, row := range c.Counts {
		for j, n := range row {
			all += n
			if i == j {
				right += n
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(right) / float64(all)
}

// String renders the matrix as a Markdown table (rows: true class, columns: predicted).
func (c Confusion) String() string {
	var b strings.Builder
	b.WriteString("| true \\ predicted |")
	for _, l := range c.Labels {
		b.WriteString(" " + l + " |")
	}
	b.WriteString("\n|---|")
	for range c.Labels {
		b.WriteString("---:|")
	}
	for i, l := range c.Labels {
		b.WriteString("\n| " + l + " |")
		for _, n := range c.Counts[i] {
			fmt.Fprintf(&b, " %d |", n)
		}
	}
	return b.String()
}

// CrossValidate runs a stratified k-fold cross-validation of a nearest-centroid classifier:
// for each fold, the features are standardised with the training folds' mean and standard
// deviation (features constant there are dropped), each class's centroid is the mean of its
// training samples, and a test sample gets the class of the nearest centroid (Euclidean).
// Fold f holds the samples whose index within their class is ≡ f (mod k).
func CrossValidate(samples []Sample, labels []string, k int) (Confusion, error) {
	if len(samples) == 0 {
		return Confusion{}, fmt.Errorf("no samples")
	}
	if k < 2 {
		return Confusion{}, fmt.Errorf("k=%d: need at least 2 folds", k)
	}
	idx := map[string]int{}
	for i, l := range labels {
		idx[l] = i
	}
	fold := make([]int, len(samples))
	seen := map[string]int{}
	for i, s := range samples {
		if _, ok := idx[s.Label]; !ok {
			return Confusion{}, fmt.Errorf("sample %d: label %q is not one of %v", i, s.Label, labels)
		}
		fold[i] = seen[s.Label] % k
		seen[s.Label]++
	}
	conf := Confusion{Labels: labels, Counts: make([][]int, len(labels))}
	for i := range conf.Counts {
		conf.Counts[i] = make([]int, len(labels))
	}
	d := len(samples[0].X)
	for f := range k {
		var train []Sample
		for i, s := range samples {
			if fold[i] != f {
				train = append(train, s)
			}
		}
		mean, std := make([]float64, d), make([]float64, d)
		for j := range d {
			col := make([]float64, len(train))
			for i, s := range train {
				col[i] = s.X[j]
			}
			mean[j], std[j] = meanStd(col)
		}
		z := func(x []float64) []float64 {
			out := make([]float64, 0, d)
			for j := range d {
				if std[j] > 0 {
					out = append(out, (x[j]-mean[j])/std[j])
				}
			}
			return out
		}
		cent := make([][]float64, len(labels))
		cnt := make([]int, len(labels))
		for _, s := range train {
			c := idx[s.Label]
			zx := z(s.X)
			if cent[c] == nil {
				cent[c] = make([]float64, len(zx))
			}
			for j, v := range zx {
				cent[c][j] += v
			}
			cnt[c]++
		}
		for c := range cent {
			for j := range cent[c] {
				cent[c][j] /= float64(cnt[c])
			}
		}
		for i, s := range samples {
			if fold[i] != f {
				continue
			}
			zx := z(s.X)
			best, bestD := -1, math.Inf(1)
			for c := range cent {
				if cent[c] == nil {
					continue
				}
				dist := 0.0
				for j, v := range zx {
					dist += (v - cent[c][j]) * (v - cent[c][j])
				}
				if dist < bestD {
					best, bestD = c, dist
				}
			}
			conf.Counts[idx[s.Label]][best]++
		}
	}
	return conf, nil
}
