package nn

import (
	"fmt"
	"math"
)

// AdamConfig holds Adam's hyper-parameters.
type AdamConfig struct {
	LR, Beta1, Beta2, Eps float64
}

// DefaultAdam is torch.optim.Adam's default and the reference's choice: lr 1e-3,
// β = (0.9, 0.999), ε = 1e-8, no weight decay.
func DefaultAdam() AdamConfig { return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Validate applies torch's checks (lr >= 0, eps >= 0, 0 <= β < 1), in torch's order and words.
func (c AdamConfig) Validate() error {
	if !(c.LR >= 0) {
		//lint:ignore ST1005 torch.optim.Adam's message, word for word
		return fmt.Errorf("Invalid learning rate: %v (must be >= 0)", c.LR)
	}
	if !(c.Eps >= 0) {
		//lint:ignore ST1005 torch.optim.Adam's message, word for word
		return fmt.Errorf("Invalid epsilon value: %v (must be >= 0)", c.Eps)
	}
	if !(c.Beta1 >= 0 && c.Beta1 < 1) {
		//lint:ignore ST1005 torch.optim.Adam's message, word for word
		return fmt.Errorf("Invalid beta parameter at index 0: %v (must be in [0, 1))", c.Beta1)
	}
	if !(c.Beta2 >= 0 && c.Beta2 < 1) {
		//lint:ignore ST1005 torch.optim.Adam's message, word for word
		return fmt.Errorf("Invalid beta parameter at index 1: %v (must be in [0, 1))", c.Beta2)
	}
	return nil
}

// Adam is torch.optim.Adam (single-tensor path, no amsgrad, no weight decay) over a fixed
// list of parameters. Per step t and element, in the parameters' precision:
//
//	m ← β₁·m + (1−β₁)·g;  v ← β₂·v + (1−β₂)·g²
//	p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
//
// The bias corrections and the step size are computed in float64, as Python floats.
type Adam[F Float] struct {
	Config AdamConfig
	params []Param[F]
	m, v   [][]F
	step   int
}

// NewAdam validates the configuration and prepares zero moments for params.
func NewAdam[F Float](params []Param[F], cfg AdamConfig) (*Adam[F], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Adam[F]{Config: cfg, params: params, m: make([][]F, len(params)), v: make([][]F, len(params))}
	for i, p := range params {
		if len(p.Grad) != len(p.Value) {
			return nil, fmt.Errorf("parameter %q has %d values but %d gradients", p.Name, len(p.Value), len(p.Grad))
		}
		a.m[i] = make([]F, len(p.Value))
		a.v[i] = make([]F, len(p.Value))
	}
	return a, nil
}

// Steps is the number of updates made so far.
func (a *Adam[F]) Steps() int { return a.step }

// Step applies one update from the current gradients.
func (a *Adam[F]) Step() {
	a.step++
	c := a.Config
	t := float64(a.step)
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := 1 - math.Pow(c.Beta2, t)
	stepSize := F(c.LR / bc1)
	bc2Sqrt := F(math.Sqrt(bc2))
	b1, b2 := F(c.Beta1), F(c.Beta2)
	ob1, ob2 := F(1-c.Beta1), F(1-c.Beta2)
	eps := F(c.Eps)
	for i, p := range a.params {
		m, v := a.m[i], a.v[i]
		for j, g := range p.Grad {
			m[j] = F(b1*m[j]) + F(ob1*g)
			v[j] = F(b2*v[j]) + F(ob2*F(g*g))
			denom := F(math.Sqrt(float64(v[j])))/bc2Sqrt + eps
			p.Value[j] -= F(stepSize * F(m[j]/denom))
		}
	}
}
