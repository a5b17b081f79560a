package fractal

import (
	"crypto/rand"
	"math"
	"math/big"
	"strconv"
	"strings"

	"mfn/internal/pyfmt"
	"mfn/rng"
)

// RangeError is the reference's ValueOutOfRangeError (spec §3.5): the message followed by the
// present items of parameter='NAME', value=V, min=M, max=X. Values are preformatted the way
// Python's str() prints them; empty means absent.
type RangeError struct {
	Message, Parameter, Value, Min, Max string
}

func (e *RangeError) Error() string {
	var items []string
	if e.Parameter != "" {
		items = append(items, "parameter='"+e.Parameter+"'")
	}
	for _, kv := range [][2]string{{"value", e.Value}, {"min", e.Min}, {"max", e.Max}} {
		if kv[1] != "" {
			items = append(items, kv[0]+"="+kv[1])
		}
	}
	if len(items) == 0 {
		return e.Message
	}
	return e.Message + " (" + strings.Join(items, ", ") + ")"
}

// StabilityError is the reference's StabilityError: message plus " (value=V)" when a value
// is attached.
type StabilityError struct {
	Message, Value string
}

func (e *StabilityError) Error() string {
	if e.Value == "" {
		return e.Message
	}
	return e.Message + " (value=" + e.Value + ")"
}

// NumericalInstabilityError is the reference's NumericalInstabilityError without a step:
// "message [field='F', nan_count=N]" (counts < 0 are absent).
type NumericalInstabilityError struct {
	Message, Field     string
	NaNCount, InfCount int
}

func (e *NumericalInstabilityError) Error() string {
	var items []string
	if e.Field != "" {
		items = append(items, "field='"+e.Field+"'")
	}
	if e.NaNCount >= 0 {
		items = append(items, "nan_count="+strconv.Itoa(e.NaNCount))
	}
	if e.InfCount >= 0 {
		items = append(items, "inf_count="+strconv.Itoa(e.InfCount))
	}
	if len(items) == 0 {
		return e.Message
	}
	return e.Message + " [" + strings.Join(items, ", ") + "]"
}

// FractalConfig is the reference's FractalConfig (core/fractal_growth_engine.py, spec §9.5).
type FractalConfig struct {
	NumPoints        int
	NumTransforms    int
	ScaleMin         float64
	ScaleMax         float64
	TranslationRange float64
	MinBoxSize       int
	MaxBoxSize       int // 0 means None
	NumScales        int
	CheckStability   bool
	// RandomSeed nil means None: every reset draws fresh OS entropy, as numpy does.
	RandomSeed *big.Int
}

// DefaultFractalConfig returns the reference defaults.
func DefaultFractalConfig() FractalConfig {
	return FractalConfig{
		NumPoints: 10000, NumTransforms: 4, ScaleMin: 0.2, ScaleMax: 0.5,
		TranslationRange: 1.0, MinBoxSize: 2, NumScales: 5, CheckStability: true,
	}
}

// Validate applies the reference's checks in its order, with its messages.
func (c FractalConfig) Validate() error {
	fl := func(v int) string { return pyfmt.Float(float64(v)) }
	switch {
	case !(1000 <= c.NumPoints && c.NumPoints <= 100000):
		return &RangeError{"num_points must be in [1000, 100000] for meaningful fractal structure",
			"num_points", fl(c.NumPoints), "1000.0", "100000.0"}
	case !(2 <= c.NumTransforms && c.NumTransforms <= 8):
		return &RangeError{"num_transforms must be in [2, 8] for interesting patterns",
			"num_transforms", fl(c.NumTransforms), "2.0", "8.0"}
	case c.ScaleMin <= 0:
		return &RangeError{"Minimum scale must be positive (> 0)", "scale_min", pyfmt.Float(c.ScaleMin), "0.0", ""}
	case c.ScaleMax >= 1:
		return &StabilityError{Message: "Maximum scale must be < 1 for contractive IFS. scale_max=" +
			pyfmt.Float(c.ScaleMax) + " would cause divergence."}
	case c.ScaleMin > c.ScaleMax:
		return &RangeError{Message: "scale_min must be <= scale_max", Parameter: "scale_min"}
	case c.TranslationRange < 0:
		return &RangeError{"translation_range must be non-negative", "translation_range",
			pyfmt.Float(c.TranslationRange), "0.0", ""}
	case c.TranslationRange > 2.0:
		return &RangeError{"translation_range must be <= 2.0", "translation_range",
			pyfmt.Float(c.TranslationRange), "", "2.0"}
	case c.MinBoxSize < 1:
		return &RangeError{"min_box_size must be >= 1", "min_box_size", fl(c.MinBoxSize), "1.0", ""}
	case !(3 <= c.NumScales && c.NumScales <= 10):
		return &RangeError{"num_scales must be in [3, 10] for reliable dimension estimation",
			"num_scales", fl(c.NumScales), "3.0", "10.0"}
	case c.MaxBoxSize < 0:
		// Not checked by the reference; a negative size cannot mean anything here.
		return &RangeError{"max_box_size must be >= 1 (or 0 for automatic)", "max_box_size",
			strconv.Itoa(c.MaxBoxSize), "0", ""}
	}
	return nil
}

// FractalMetrics mirrors the reference's FractalMetrics.
type FractalMetrics struct {
	LyapunovExponent  float64
	FractalDimension  float64
	PointsGenerated   int
	PointsBounded     bool
	MaxPointDistance  float64
	NaNDetected       bool
	InfDetected       bool
	IsContractive     bool
	DimensionRSquared float64
}

func freshMetrics() FractalMetrics { return FractalMetrics{PointsBounded: true} }

// GrowthEngine is FractalGrowthEngine: IFS generation and box counting with metrics. Like
// numpy's Generator it is not safe for concurrent use.
type GrowthEngine struct {
	cfg        FractalConfig
	metrics    FractalMetrics
	g          *rng.Generator
	transforms []Transform
}

// NewGrowthEngine validates cfg and seeds the engine's generator.
func NewGrowthEngine(cfg FractalConfig) (*GrowthEngine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &GrowthEngine{cfg: cfg}
	if err := e.Reset(); err != nil {
		return nil, err
	}
	return e, nil
}

// Reset re-creates the generator from the seed and clears transforms and metrics.
func (e *GrowthEngine) Reset() error {
	seed := e.cfg.RandomSeed
	if seed == nil {
		// SeedSequence(None) draws 128 bits of OS entropy.
		var err error
		if seed, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128)); err != nil {
			return err
		}
	}
	g, err := rng.NewBig(seed)
	if err != nil {
		return err
	}
	e.g, e.transforms, e.metrics = g, nil, freshMetrics()
	return nil
}

// Config returns the engine's configuration.
func (e *GrowthEngine) Config() FractalConfig { return e.cfg }

// Metrics returns the current metrics.
func (e *GrowthEngine) Metrics() FractalMetrics { return e.metrics }

// Transforms returns the maps of the last GenerateIFS (nil before the first).
func (e *GrowthEngine) Transforms() []Transform { return e.transforms }

// GenerateIFS is generate_ifs(num_points, num_transforms); 0 means "use the config" (the
// reference's `or`). It resets the engine first, so equal seeds give equal clouds.
func (e *GrowthEngine) GenerateIFS(numPoints, numTransforms int) ([][2]float64, float64, error) {
	if err := e.Reset(); err != nil {
		return nil, 0, err
	}
	if numPoints == 0 {
		numPoints = e.cfg.NumPoints
	}
	if numTransforms == 0 {
		numTransforms = e.cfg.NumTransforms
	}
	if numPoints < 1 {
		return nil, 0, intRange("num_points must be >= 1", "num_points", numPoints, 1, -1)
	}
	if numTransforms < 1 {
		return nil, 0, intRange("num_transforms must be >= 1", "num_transforms", numTransforms, 1, -1)
	}
	c := e.cfg
	e.transforms = drawTransforms(e.g, numTransforms, c.ScaleMin, c.ScaleMax, c.TranslationRange)
	pts, lyap := iterateIFS(e.g, e.transforms, numPoints)
	e.metrics.LyapunovExponent = lyap
	e.metrics.PointsGenerated = numPoints
	e.metrics.IsContractive = lyap < 0

	nans, infs := 0, 0
	for _, p := range pts {
		for _, v := range p {
			switch {
			case math.IsNaN(v):
				nans++
			case math.IsInf(v, 0):
				infs++
			}
		}
	}
	if c.CheckStability && nans > 0 {
		e.metrics.NaNDetected = true
		return pts, lyap, &NumericalInstabilityError{"NaN values in IFS points", "points", nans, -1}
	}
	if c.CheckStability && infs > 0 {
		e.metrics.InfDetected = true
		return pts, lyap, &NumericalInstabilityError{"Inf values in IFS points", "points", -1, infs}
	}
	maxAbs := maxAbsNaN(pts)
	e.metrics.MaxPointDistance = maxAbs
	e.metrics.PointsBounded = maxAbs < 100
	if !e.metrics.PointsBounded && c.CheckStability {
		return pts, lyap, &StabilityError{
			Message: "IFS points unbounded (max distance = " + pyFixed2(maxAbs) +
				"). This indicates non-contractive dynamics.",
			Value: pyfmt.Float(maxAbs),
		}
	}
	return pts, lyap, nil
}

// maxAbsNaN is np.max(np.abs(points)) (Chebyshev norm of the farthest point); a NaN wins,
// as in numpy.
func maxAbsNaN(pts [][2]float64) float64 {
	m := math.Abs(pts[0][0])
	for _, p := range pts {
		for _, v := range p {
			a := math.Abs(v)
			if math.IsNaN(a) {
				return a
			}
			m = max(m, a)
		}
	}
	return m
}

// pyFixed2 is Python's f"{v:.2f}".
func pyFixed2(v float64) string {
	if math.IsNaN(v) {
		return "nan"
	}
	if math.IsInf(v, 0) {
		return pyfmt.Float(v)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// EstimateDimension is estimate_dimension (spec §9.2 (b)); 0 arguments fall back to the
// config. It records the dimension, and R² (unclamped) when at least two scales were usable.
func (e *GrowthEngine) EstimateDimension(binary []bool, n, minBox, maxBox, numScales int) (float64, error) {
	if err := checkSquare("binary_field", "binary_field must be square", len(binary), n); err != nil {
		return 0, err
	}
	opts := BoxOptions{MinBox: minBox, MaxBox: maxBox, NumScales: numScales}
	if opts.MinBox == 0 {
		opts.MinBox = e.cfg.MinBoxSize
	}
	if opts.MaxBox == 0 {
		opts.MaxBox = e.cfg.MaxBoxSize
	}
	if opts.NumScales == 0 {
		opts.NumScales = e.cfg.NumScales
	}
	res, err := BoxCount(binary, n, opts)
	if err != nil {
		return 0, err
	}
	e.metrics.FractalDimension = res.D
	if res.Points >= 2 {
		e.metrics.DimensionRSquared = res.R2
	}
	return res.D, nil
}

// ComputeLyapunovFromHistory is compute_lyapunov_from_history (spec §9.4); it records λ in
// the metrics when at least one step was above the noise floor.
func (e *GrowthEngine) ComputeLyapunovFromHistory(history [][]float64, dt float64) float64 {
	lam, count := lyapunov(history, dt)
	if count > 0 {
		e.metrics.LyapunovExponent = lam
	}
	return lam
}

// ValidateContraction reports whether every stored map has |a·d − b·c| < 1 (false before
// the first GenerateIFS).
func (e *GrowthEngine) ValidateContraction() bool {
	if e.transforms == nil {
		return false
	}
	for _, t := range e.transforms {
		if math.Abs(float64(t.A*t.D)-float64(t.B*t.C)) >= 1.0 {
			return false
		}
	}
	return true
}

// ValidateDimensionRange reports D ∈ [1.4, 1.9] if biological, else D ∈ [0, 2].
func ValidateDimensionRange(d float64, biological bool) bool {
	if biological {
		return 1.4 <= d && d <= 1.9
	}
	return 0 <= d && d <= 2
}

// ValidateDimensionRange is the engine method form of the package function.
func (e *GrowthEngine) ValidateDimensionRange(d float64, biological bool) bool {
	return ValidateDimensionRange(d, biological)
}
