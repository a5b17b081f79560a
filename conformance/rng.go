package conformance

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"

	"mfn/rng"
)

func init() {
	Register(Checker{
		Kind: "rng",
		Detect: func(_ string, top map[string]json.RawMessage) bool {
			if !hasKeys(top, "seeds") {
				return false
			}
			var seeds []struct {
				SeedSequence json.RawMessage `json:"seed_sequence"`
			}
			return json.Unmarshal(top["seeds"], &seeds) == nil && len(seeds) > 0 && seeds[0].SeedSequence != nil
		},
		Check: checkRNG,
	})
}

// goldenState is a recorded bit_generator.state.
type goldenState struct {
	State     BigInt `json:"state"`
	Inc       BigInt `json:"inc"`
	HasUint32 int    `json:"has_uint32"`
	Uinteger  uint64 `json:"uinteger"`
}

// compareState checks a generator's state against a recording; uinteger counts only when buffered.
func compareState(g *rng.Generator, want *goldenState) error {
	if want == nil {
		return nil
	}
	s := g.State()
	if s.StateBig().Cmp(&want.State.Int) != 0 {
		return fmt.Errorf("state after: got %#x, want %#x", s.StateBig(), &want.State.Int)
	}
	if s.IncBig().Cmp(&want.Inc.Int) != 0 {
		return fmt.Errorf("inc: got %#x, want %#x", s.IncBig(), &want.Inc.Int)
	}
	if s.HasUint32 != (want.HasUint32 == 1) {
		return fmt.Errorf("has_uint32: got %v, want %d", s.HasUint32, want.HasUint32)
	}
	if s.HasUint32 && uint64(s.Uinteger) != want.Uinteger {
		return fmt.Errorf("uinteger: got %d, want %d", s.Uinteger, want.Uinteger)
	}
	return nil
}

type rngSeedCase struct {
	Seed         BigInt `json:"seed"`
	SeedSequence struct {
		Entropy BigInt   `json:"entropy"`
		Words   []uint32 `json:"entropy_uint32_words_le"`
		Pool    []uint32 `json:"pool_uint32"`
		State64 []BigInt `json:"generate_state_4_uint64"`
		State32 []uint32 `json:"generate_state_8_uint32"`
	} `json:"seed_sequence"`
	InitialState *goldenState `json:"initial_state"`
	Raw20        []BigInt     `json:"random_raw_20"`
	Raw100000    *struct {
		SHA   string       `json:"sha256_u64le"`
		Last  BigInt       `json:"last"`
		After *goldenState `json:"state_after"`
	} `json:"random_raw_100000"`
	Rest map[string]json.RawMessage `json:"-"`
}

type valuesCase struct {
	Values     json.RawMessage `json:"values"`
	RowMajor   Floats          `json:"values_row_major"`
	StateAfter *goldenState    `json:"state_after"`
}

// Scalar sequences of 20 draws from a fresh generator, keyed by their golden names.
var rngFloatSeqs = map[string]func(g *rng.Generator) float64{
	"random_20":             (*rng.Generator).Random,
	"standard_normal_20":    (*rng.Generator).StandardNormal,
	"normal_m0.07_0.005_20": func(g *rng.Generator) float64 { return g.Normal(-0.07, 0.005) },
	"normal_0.02_0.005_20":  func(g *rng.Generator) float64 { return g.Normal(0.02, 0.005) },
	"uniform_0_0.1_20":      func(g *rng.Generator) float64 { return g.Uniform(0, 0.1) },
	"uniform_0.2_0.5_20":    func(g *rng.Generator) float64 { return g.Uniform(0.2, 0.5) },
	"uniform_0_2pi_20":      func(g *rng.Generator) float64 { return g.Uniform(0, 2*math.Pi) },
	"uniform_m1_1_20":       func(g *rng.Generator) float64 { return g.Uniform(-1, 1) },
}

// 4×4 array forms, filled in C order.
var rngArrayForms = map[string]func(g *rng.Generator, dst []float64){
	"normal_m0.07_0.005_size4x4":  func(g *rng.Generator, d []float64) { g.FillNormal(d, -0.07, 0.005) },
	"uniform_0_0.1_size4x4":       func(g *rng.Generator, d []float64) { g.FillUniform(d, 0, 0.1) },
	"random_size4x4":              func(g *rng.Generator, d []float64) { g.FillRandom(d) },
	"normal_0_sqrt0.0005_size4x4": func(g *rng.Generator, d []float64) { g.FillNormal(d, 0, math.Sqrt(0.0005)) },
}

func checkRNG(top map[string]json.RawMessage, r *Recorder) error {
	var seeds []map[string]json.RawMessage
	if err := json.Unmarshal(top["seeds"], &seeds); err != nil {
		return err
	}
	for _, raw := range seeds {
		var sc rngSeedCase
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &sc); err != nil {
			return err
		}
		seed := &sc.Seed.Int
		name := func(what string) string { return fmt.Sprintf("seed %s %s", seed, what) }
		fresh := func() *rng.Generator {
			g, err := rng.NewBig(seed)
			if err != nil {
				panic(err) // unreachable: recorded seeds are non-negative and checked below
			}
			return g
		}
		if seed.Sign() < 0 {
			r.Case(name("seed"), fmt.Errorf("negative seed in golden file"))
			continue
		}
		r.Case(name("seed_sequence"), checkSeedSequence(seed, &sc))
		r.Case(name("initial_state"), compareState(fresh(), sc.InitialState))
		if sc.Raw20 != nil {
			g := fresh()
			var err error
			for i, w := range sc.Raw20 {
				if got := g.Uint64(); new(big.Int).SetUint64(got).Cmp(&w.Int) != 0 {
					err = fmt.Errorf("random_raw[%d]: got %d, want %s", i, got, &w.Int)
					break
				}
			}
			r.Case(name("random_raw_20"), err)
		}
		if sc.Raw100000 != nil {
			g := fresh()
			vals := make([]uint64, 100000)
			for i := range vals {
				vals[i] = g.Uint64()
			}
			err := func() error {
				if h := sha256U64(vals); h != sc.Raw100000.SHA {
					return fmt.Errorf("sha256: got %s, want %s", h, sc.Raw100000.SHA)
				}
				return compareState(g, sc.Raw100000.After)
			}()
			r.Case(name("random_raw_100000"), err)
		}
		for key, f := range rngFloatSeqs {
			if v, ok := raw[key]; ok {
				r.Case(name(key), checkFloatSeq(v, fresh(), f))
			}
		}
		for key, fill := range rngArrayForms {
			if v, ok := raw[key]; ok {
				var vc valuesCase
				if err := json.Unmarshal(v, &vc); err != nil {
					return err
				}
				g := fresh()
				got := make([]float64, len(vc.RowMajor))
				fill(g, got)
				err := exactSlice("values", got, vc.RowMajor)
				if err == nil {
					err = compareState(g, vc.StateAfter)
				}
				r.Case(name(key), err)
			}
		}
		checkRNGIntegers(raw, fresh, name, r)
		if v, ok := raw["sim_init_sequence_4x4"]; ok {
			r.Case(name("sim_init_sequence_4x4"), checkSimInit(v, fresh()))
		}
		if v, ok := raw["mixed_sim_order"]; ok {
			r.Case(name("mixed_sim_order"), checkMixedOrder(v, fresh))
		}
		if v, ok := raw["standard_normal_200000"]; ok {
			r.Case(name("standard_normal_200000"), checkNormal200k(v, fresh()))
		}
		if v, ok := raw["random_200000"]; ok {
			r.Case(name("random_200000"), checkHashed(v, fresh(), func(g *rng.Generator, n int) []float64 {
				out := make([]float64, n)
				g.FillRandom(out)
				return out
			}))
		}
		if v, ok := raw["integers_0_1000_size200000"]; ok {
			var c struct {
				SHA   string       `json:"sha256_i64le"`
				After *goldenState `json:"state_after"`
			}
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			g := fresh()
			vals := make([]uint64, 200000)
			for i := range vals {
				vals[i] = uint64(g.Integers(0, 1000))
			}
			err := compareState(g, c.After)
			if h := sha256U64(vals); h != c.SHA {
				err = fmt.Errorf("sha256: got %s, want %s", h, c.SHA)
			}
			r.Case(name("integers_0_1000_size200000"), err)
		}
		if v, ok := raw["choice"]; ok {
			checkChoice(v, fresh, name, r)
		}
	}
	return nil
}

func checkSeedSequence(seed *big.Int, sc *rngSeedCase) error {
	ss, err := rng.NewSeedSequence(seed)
	if err != nil {
		return err
	}
	if len(sc.SeedSequence.Words) > 0 {
		if fmt.Sprint(ss.Entropy) != fmt.Sprint(sc.SeedSequence.Words) {
			return fmt.Errorf("entropy words: got %v, want %v", ss.Entropy, sc.SeedSequence.Words)
		}
	}
	if len(sc.SeedSequence.Pool) > 0 && fmt.Sprint(ss.Pool[:]) != fmt.Sprint(sc.SeedSequence.Pool) {
		return fmt.Errorf("pool: got %v, want %v", ss.Pool, sc.SeedSequence.Pool)
	}
	if n := len(sc.SeedSequence.State64); n > 0 {
		got := ss.GenerateState64(n)
		for i, w := range sc.SeedSequence.State64 {
			if new(big.Int).SetUint64(got[i]).Cmp(&w.Int) != 0 {
				return fmt.Errorf("generate_state(uint64)[%d]: got %d, want %s", i, got[i], &w.Int)
			}
		}
	}
	if n := len(sc.SeedSequence.State32); n > 0 {
		if got := ss.GenerateState32(n); fmt.Sprint(got) != fmt.Sprint(sc.SeedSequence.State32) {
			return fmt.Errorf("generate_state(uint32): got %v, want %v", got, sc.SeedSequence.State32)
		}
	}
	return nil
}

func checkFloatSeq(raw json.RawMessage, g *rng.Generator, f func(*rng.Generator) float64) error {
	var c struct {
		Values     Floats       `json:"values"`
		StateAfter *goldenState `json:"state_after"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	got := make([]float64, len(c.Values))
	for i := range got {
		got[i] = f(g)
	}
	if err := exactSlice("values", got, c.Values); err != nil {
		return err
	}
	return compareState(g, c.StateAfter)
}

// intList decodes a list of integers written as numbers or decimal strings.
type intList []int64

func (l *intList) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]int64, len(raw))
	for i, v := range raw {
		var bi BigInt
		if err := bi.UnmarshalJSON(v); err != nil {
			return err
		}
		if !bi.IsInt64() {
			return fmt.Errorf("integer %s out of int64 range", &bi.Int)
		}
		out[i] = bi.Int64()
	}
	*l = out
	return nil
}

var rngIntegerArrays = regexp.MustCompile(`^integers_(m?\d+)_(\d+|2p\d+)_(\d+)(_array)?$|^integers_(m?\d+)_(\d+)_size(\d+)_array$`)

func checkRNGIntegers(raw map[string]json.RawMessage, fresh func() *rng.Generator, name func(string) string, r *Recorder) {
	for key, v := range raw {
		m := rngIntegerArrays.FindStringSubmatch(key)
		if m == nil {
			continue
		}
		lowS, highS := m[1], m[2]
		if m[5] != "" {
			lowS, highS = m[5], m[6]
		}
		low, err1 := parseGoldenInt(lowS)
		high, err2 := parseGoldenInt(highS)
		var c struct {
			Values     intList      `json:"values"`
			StateAfter *goldenState `json:"state_after"`
		}
		err := json.Unmarshal(v, &c)
		if err == nil && (err1 != nil || err2 != nil) {
			err = fmt.Errorf("cannot read bounds from %q", key)
		}
		if err == nil {
			g := fresh()
			got := make([]int64, len(c.Values))
			g.FillIntegers(got, low, high)
			err = compareInts("values", got, c.Values)
			if err == nil {
				err = compareState(g, c.StateAfter)
			}
		}
		r.Case(name(key), err)
	}
	if v, ok := raw["integers_scalar"]; ok {
		var cases []struct {
			Low        BigInt       `json:"low"`
			High       BigInt       `json:"high"`
			Endpoint   bool         `json:"endpoint"`
			Values     intList      `json:"values"`
			StateAfter *goldenState `json:"state_after"`
		}
		if err := json.Unmarshal(v, &cases); err != nil {
			r.Case(name("integers_scalar"), err)
			return
		}
		for _, c := range cases {
			g := fresh()
			got := make([]int64, len(c.Values))
			low, high := c.Low.Int64(), c.High.Int64()
			for i := range got {
				if c.Endpoint {
					got[i] = g.IntegersClosed(low, high)
				} else {
					got[i] = g.Integers(low, high)
				}
			}
			err := compareInts("values", got, c.Values)
			if err == nil {
				err = compareState(g, c.StateAfter)
			}
			r.Case(name(fmt.Sprintf("integers(%d, %d, endpoint=%v)", low, high, c.Endpoint)), err)
		}
	}
}

// parseGoldenInt reads the bound notation of golden keys: "64", "m5" (−5), "2p40" (2^40).
func parseGoldenInt(s string) (int64, error) {
	neg := false
	if s != "" && s[0] == 'm' {
		neg, s = true, s[1:]
	}
	var v int64
	if len(s) > 2 && s[:2] == "2p" {
		e, err := strconv.Atoi(s[2:])
		if err != nil || e > 62 {
			return 0, fmt.Errorf("bad exponent %q", s)
		}
		v = 1 << e
	} else {
		var err error
		if v, err = strconv.ParseInt(s, 10, 64); err != nil {
			return 0, err
		}
	}
	if neg {
		v = -v
	}
	return v, nil
}

func compareInts(what string, got, want []int64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: length %d, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("%s[%d]: got %d, want %d", what, i, got[i], want[i])
		}
	}
	return nil
}

func checkSimInit(raw json.RawMessage, g *rng.Generator) error {
	var c struct {
		Field      Floats       `json:"field_normal_m0.07_0.005_4x4"`
		Activator  Floats       `json:"activator_uniform_0_0.1_4x4"`
		Inhibitor  Floats       `json:"inhibitor_uniform_0_0.1_4x4"`
		StateAfter *goldenState `json:"state_after"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	f := make([]float64, len(c.Field))
	a := make([]float64, len(c.Activator))
	in := make([]float64, len(c.Inhibitor))
	g.FillNormal(f, -0.07, 0.005)
	g.FillUniform(a, 0, 0.1)
	g.FillUniform(in, 0, 0.1)
	for _, e := range []error{exactSlice("field", f, c.Field), exactSlice("activator", a, c.Activator), exactSlice("inhibitor", in, c.Inhibitor)} {
		if e != nil {
			return e
		}
	}
	return compareState(g, c.StateAfter)
}

func checkMixedOrder(raw json.RawMessage, fresh func() *rng.Generator) error {
	var runs []struct {
		Calls      [][]json.RawMessage `json:"calls"`
		StateAfter *goldenState        `json:"state_after"`
	}
	if err := json.Unmarshal(raw, &runs); err != nil {
		return err
	}
	for ri, run := range runs {
		g := fresh()
		for ci, call := range run.Calls {
			if len(call) < 3 {
				return fmt.Errorf("run %d call %d: malformed", ri, ci)
			}
			var op string
			var args []float64
			if err := json.Unmarshal(call[0], &op); err != nil {
				return err
			}
			if err := json.Unmarshal(call[1], &args); err != nil {
				return err
			}
			switch op {
			case "random", "normal":
				var want Float
				if err := want.UnmarshalJSON(call[2]); err != nil {
					return err
				}
				var got float64
				if op == "random" {
					got = g.Random()
				} else if len(args) == 2 {
					got = g.Normal(args[0], args[1])
				} else {
					return fmt.Errorf("run %d call %d: normal needs 2 args", ri, ci)
				}
				if err := exact(fmt.Sprintf("run %d call %d %s", ri, ci, op), got, float64(want)); err != nil {
					return err
				}
			case "integers":
				var want BigInt
				if err := want.UnmarshalJSON(call[2]); err != nil {
					return err
				}
				if len(args) != 2 {
					return fmt.Errorf("run %d call %d: integers needs 2 args", ri, ci)
				}
				if got := g.Integers(int64(args[0]), int64(args[1])); got != want.Int64() {
					return fmt.Errorf("run %d call %d integers: got %d, want %s", ri, ci, got, &want.Int)
				}
			default:
				return fmt.Errorf("run %d call %d: unknown op %q", ri, ci, op)
			}
		}
		if err := compareState(g, run.StateAfter); err != nil {
			return fmt.Errorf("run %d: %w", ri, err)
		}
	}
	return nil
}

func checkNormal200k(raw json.RawMessage, g *rng.Generator) error {
	var c struct {
		SHA  string `json:"sha256_f64le"`
		Sum  Float  `json:"sum"`
		Tail struct {
			Index  []int  `json:"index"`
			Values Floats `json:"values"`
		} `json:"abs_ge_3"`
		StateAfter *goldenState `json:"state_after"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	vals := make([]float64, 200000)
	for i := range vals {
		vals[i] = g.StandardNormal()
	}
	// The tail values (|x| ≥ 3) exercise the ziggurat's log1p and rejection branches: check them
	// one by one first, so a difference names its index.
	if len(c.Tail.Index) != len(c.Tail.Values) {
		return fmt.Errorf("abs_ge_3: %d indices but %d values", len(c.Tail.Index), len(c.Tail.Values))
	}
	for k, i := range c.Tail.Index {
		if i < 0 || i >= len(vals) {
			return fmt.Errorf("abs_ge_3: index %d out of range", i)
		}
		if err := exact(fmt.Sprintf("standard_normal[%d]", i), vals[i], c.Tail.Values[k]); err != nil {
			return err
		}
	}
	if h := sha256F64(vals); h != c.SHA {
		return fmt.Errorf("sha256: got %s, want %s", h, c.SHA)
	}
	return compareState(g, c.StateAfter)
}

func checkHashed(raw json.RawMessage, g *rng.Generator, draw func(*rng.Generator, int) []float64) error {
	var c struct {
		SHA        string       `json:"sha256_f64le"`
		StateAfter *goldenState `json:"state_after"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	if h := sha256F64(draw(g, 200000)); h != c.SHA {
		return fmt.Errorf("sha256: got %s, want %s", h, c.SHA)
	}
	return compareState(g, c.StateAfter)
}

var (
	choiceNoReplace = regexp.MustCompile(`^choice\((\d+), size=(\d+), replace=False\)$`)
	choiceList      = regexp.MustCompile(`^choice\(\[([^\]]*)\]\) x(\d+)`)
	choiceReplace   = regexp.MustCompile(`^choice\((\d+), size=(\d+)\)`)
)

func checkChoice(raw json.RawMessage, fresh func() *rng.Generator, name func(string) string, r *Recorder) {
	var cases []struct {
		Call       string            `json:"call"`
		Values     []json.RawMessage `json:"values"`
		StateAfter *goldenState      `json:"state_after"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		r.Case(name("choice"), err)
		return
	}
	for _, c := range cases {
		g := fresh()
		want := make([]string, len(c.Values))
		for i, v := range c.Values {
			want[i] = string(v)
		}
		var got []string
		var err error
		switch {
		case choiceNoReplace.MatchString(c.Call):
			m := choiceNoReplace.FindStringSubmatch(c.Call)
			n, _ := strconv.Atoi(m[1])
			k, _ := strconv.Atoi(m[2])
			var idx []int64
			if idx, err = g.ChoiceNoReplace(n, k); err == nil {
				for _, v := range idx {
					got = append(got, strconv.FormatInt(v, 10))
				}
			}
		case choiceList.MatchString(c.Call):
			m := choiceList.FindStringSubmatch(c.Call)
			items := regexp.MustCompile(`\s*,\s*`).Split(m[1], -1)
			k, _ := strconv.Atoi(m[2])
			for range k {
				it := items[g.Choice(len(items))]
				if it == "True" || it == "False" {
					it = map[string]string{"True": "true", "False": "false"}[it]
				}
				got = append(got, it)
			}
		case choiceReplace.MatchString(c.Call):
			m := choiceReplace.FindStringSubmatch(c.Call)
			n, _ := strconv.Atoi(m[1])
			k, _ := strconv.Atoi(m[2])
			for range k {
				got = append(got, strconv.Itoa(g.Choice(n)))
			}
		default:
			err = fmt.Errorf("unrecognised call %q", c.Call)
		}
		if err == nil && fmt.Sprint(got) != fmt.Sprint(want) {
			err = fmt.Errorf("got %v, want %v", got, want)
		}
		if err == nil {
			err = compareState(g, c.StateAfter)
		}
		r.Case(name(c.Call), err)
	}
}
