package field

import (
	"fmt"
	"strings"

	"mfn/internal/pyfmt"
)

// RangeError reports a parameter outside its allowed range. Its text follows the reference's
// ValueOutOfRangeError: "message (parameter='name', value=v, min=a, max=b)".
type RangeError struct {
	Message   string
	Parameter string
	Value     float64
	Min, Max  *float64
}

func (e *RangeError) Error() string {
	parts := []string{}
	if e.Parameter != "" {
		parts = append(parts, fmt.Sprintf("parameter='%s'", e.Parameter))
	}
	parts = append(parts, "value="+pyfmt.Float(e.Value))
	if e.Min != nil {
		parts = append(parts, "min="+pyfmt.Float(*e.Min))
	}
	if e.Max != nil {
		parts = append(parts, "max="+pyfmt.Float(*e.Max))
	}
	return e.Message + " (" + strings.Join(parts, ", ") + ")"
}

func bound(v float64) *float64 { return &v }

// StabilityError reports a configuration that would make the scheme numerically unstable,
// e.g. a diffusion coefficient at or above the CFL limit 0.25.
type StabilityError struct {
	Message string
	Step    *int
}

func (e *StabilityError) Error() string {
	if e.Step != nil {
		return fmt.Sprintf("%s (step=%d)", e.Message, *e.Step)
	}
	return e.Message
}

// InstabilityError reports NaN or Inf values that appeared during a simulation
// (the reference's NumericalInstabilityError).
type InstabilityError struct {
	Message  string
	Field    string
	NaNCount int
	InfCount int
	Step     int
}

func (e *InstabilityError) Error() string {
	parts := []string{fmt.Sprintf("field='%s'", e.Field)}
	if e.NaNCount > 0 {
		parts = append(parts, fmt.Sprintf("nan_count=%d", e.NaNCount))
	}
	if e.InfCount > 0 {
		parts = append(parts, fmt.Sprintf("inf_count=%d", e.InfCount))
	}
	return fmt.Sprintf("%s [%s] (step=%d)", e.Message, strings.Join(parts, ", "), e.Step)
}
