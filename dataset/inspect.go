package dataset

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"mfn/features"
	"mfn/npexact"
)

// ColumnStats summarises one numeric column (NaN values excluded from the statistics).
type ColumnStats struct {
	Name     string  `json:"name"`
	Count    int     `json:"count"`
	NaN      int     `json:"nan_count"`
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	Mean     float64 `json:"mean"`
	Std      float64 `json:"std"`
	Median   float64 `json:"median"`
	Q25      float64 `json:"q25"`
	Q75      float64 `json:"q75"`
	Constant bool    `json:"constant"`
}

// Correlation is a Pearson correlation between two columns.
type Correlation struct {
	A, B string
	R    float64
}

// Inspection is the reference's inspect_features report.
type Inspection struct {
	Path         string        `json:"path"`
	Rows         int           `json:"rows"`
	Columns      int           `json:"columns"`
	Stats        []ColumnStats `json:"features"`
	Constant     []string      `json:"constant_features"`
	Correlations []Correlation `json:"strong_correlations"`
	Warnings     []string      `json:"warnings"`
}

// Inspect summarises the 18 features of a table (or, if it holds none of them, every numeric
// column).
func Inspect(t *Table) *Inspection {
	in := &Inspection{Path: t.Path, Rows: t.Rows, Columns: len(t.Columns)}
	var names []string
	for _, n := range features.Names() {
		if _, ok := t.Numeric[n]; ok {
			names = append(names, n)
		}
	}
	// A table that is not an MFN dataset, or lacks some features, says so: the sanity checks
	// below only look at the feature columns and would otherwise pass vacuously.
	switch have := len(names); {
	case have == 0:
		in.Warnings = append(in.Warnings, fmt.Sprintf("not an MFN dataset: none of the %d feature columns (%s, …) is present; the statistics cover its numeric columns and the sanity checks do not apply", features.Count, features.Names()[0]))
		for _, c := range t.Columns {
			if _, ok := t.Numeric[c]; ok {
				names = append(names, c)
			}
		}
	case have < features.Count:
		var missing []string
		for _, n := range features.Names() {
			if _, ok := t.Numeric[n]; !ok {
				missing = append(missing, n)
			}
		}
		in.Warnings = append(in.Warnings, fmt.Sprintf("%d of the %d features missing or not numeric: %v", len(missing), features.Count, missing))
	}
	for _, c := range t.Columns {
		if _, ok := t.Numeric[c]; !ok && !knownStringColumn(c) {
			in.Warnings = append(in.Warnings, fmt.Sprintf("column %q is not numeric: left out of the statistics", c))
		}
	}
	for _, n := range names {
		s := columnStats(n, t.Numeric[n])
		in.Stats = append(in.Stats, s)
		if s.Constant {
			in.Constant = append(in.Constant, n)
		}
		if s.NaN > 0 {
			in.Warnings = append(in.Warnings, fmt.Sprintf("%s: %d NaN values", n, s.NaN))
		}
	}
	in.Correlations = strongCorrelations(names, t.Numeric, 0.5, 10)
	if w := constantWarning(in.Constant, len(names), t.Rows); w != "" {
		in.Warnings = append(in.Warnings, w)
	}
	in.Warnings = append(in.Warnings, sanity(t.Numeric)...)
	return in
}

func columnStats(name string, vals []float64) ColumnStats {
	s := ColumnStats{Name: name}
	var ok []float64
	for _, v := range vals {
		if math.IsNaN(v) {
			s.NaN++
		} else {
			ok = append(ok, v)
		}
	}
	s.Count = len(ok)
	if len(ok) == 0 {
		nan := math.NaN()
		s.Min, s.Max, s.Mean, s.Std, s.Median, s.Q25, s.Q75 = nan, nan, nan, nan, nan, nan, nan
		return s
	}
	s.Min, s.Max = npexact.MinMax(ok)
	s.Mean, s.Std = npexact.Mean(ok), npexact.Std(ok)
	sorted := slices.Clone(ok)
	sort.Float64s(sorted)
	s.Median, s.Q25, s.Q75 = percentile(sorted, 50), percentile(sorted, 25), percentile(sorted, 75)
	s.Constant = s.Min == s.Max
	return s
}

// percentile is numpy's default (linear) percentile of sorted values.
func percentile(sorted []float64, q float64) float64 {
	pos := q / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	frac := pos - float64(lo)
	return sorted[lo] + (sorted[hi]-sorted[lo])*frac
}

func strongCorrelations(names []string, cols map[string][]float64, threshold float64, limit int) []Correlation {
	var out []Correlation
	for i, a := range names {
		for _, b := range names[i+1:] {
			r := pearson(cols[a], cols[b])
			if !math.IsNaN(r) && math.Abs(r) > threshold {
				out = append(out, Correlation{a, b, r})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return math.Abs(out[i].R) > math.Abs(out[j].R) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// pearson is the correlation over the rows where both values are present; NaN if either
// column is constant there.
func pearson(x, y []float64) float64 {
	var xs, ys []float64
	for i := range x {
		if !math.IsNaN(x[i]) && !math.IsNaN(y[i]) {
			xs, ys = append(xs, x[i]), append(ys, y[i])
		}
	}
	if len(xs) < 2 {
		return math.NaN()
	}
	mx, my := npexact.Mean(xs), npexact.Mean(ys)
	var sxy, sxx, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// constantWarning flags features that carry no information: a column with one value over two
// or more rows cannot help any model trained on the table (issue 11: the v4.1 presets leave
// half the feature vector constant, and the reference printed "all sanity checks passed").
// A single row says nothing about variation, so it gets no warning.
func constantWarning(constant []string, total, rows int) string {
	if rows < 2 || len(constant) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d features are constant over %d rows (they carry no information): %v",
		len(constant), total, rows, constant)
}

// sanity repeats the reference's checks: D_box in [0, 2.5], V_min ≥ −100, V_max ≤ 50 mV,
// f_active in [0, 1].
func sanity(cols map[string][]float64) []string {
	var w []string
	count := func(name string, bad func(float64) bool) int {
		n := 0
		for _, v := range cols[name] {
			if bad(v) {
				n++
			}
		}
		return n
	}
	if n := count("D_box", func(v float64) bool { return v < 0 || v > 2.5 }); n > 0 {
		w = append(w, fmt.Sprintf("D_box outside [0, 2.5] in %d rows", n))
	}
	if n := count("V_min", func(v float64) bool { return v < -100 }); n > 0 {
		w = append(w, fmt.Sprintf("V_min below -100 mV in %d rows", n))
	}
	if n := count("V_max", func(v float64) bool { return v > 50 }); n > 0 {
		w = append(w, fmt.Sprintf("V_max above 50 mV in %d rows", n))
	}
	if n := count("f_active", func(v float64) bool { return v < 0 || v > 1 }); n > 0 {
		w = append(w, fmt.Sprintf("f_active outside [0, 1] in %d rows", n))
	}
	return w
}

// knownStringColumn reports whether a dataset layout writes the column as text.
func knownStringColumn(name string) bool {
	for _, l := range []Layout{LayoutScenario, LayoutSampler, LayoutSweep, LayoutGM} {
		for _, c := range Columns(l) {
			if c.Name == name && c.Kind == String {
				return true
			}
		}
	}
	return false
}
