// Package nernst computes Nernst equilibrium potentials the way the MFN 4.1.0 reference does
// (model.compute_nernst_potential and core.MembraneEngine), bit for bit, and holds the ion table
// and the membrane engine (validated configuration, ODE integration, metrics).
package nernst

import (
	"errors"
	"fmt"
	"math"

	"mfn/libm"
	"strconv"
	"strings"

	"mfn/internal/pyfmt"
)

// Physical constants of the reference (spec §2).
const (
	// R is the gas constant in J/(mol·K).
	R = 8.314
	// F is the Faraday constant in C/mol.
	F = 96485.33212
	// BodyTemperatureK is the default temperature in kelvin.
	BodyTemperatureK = 310.0
	// IonClampMin is the smallest concentration (mol/L) used; smaller ones are raised to it.
	IonClampMin = 1e-6
)

// The constants as float64 variables: Go evaluates constant expressions exactly, while the
// reference rounds every operation, so arithmetic must go through these.
var (
	rGas    float64 = R
	faraday float64 = F
)

// RTFZmV is RT/F at body temperature in millivolts, 26.71224675678714, evaluated in float64
// as (R*T/F)*1000 left to right like the reference.
var RTFZmV = rtfzMV(BodyTemperatureK)

func rtfzMV(tempK float64) float64 { return (rGas * tempK / faraday) * 1000.0 }

// ErrZeroValence is returned for z = 0: the reference divides by zero there.
var ErrZeroValence = errors.New("z_valence=0: the ion valence must be a non-zero integer")

// pyMax is Python's max(x, m): x unless m > x, so a NaN x passes through unchanged.
func pyMax(x, m float64) float64 {
	if m > x {
		return m
	}
	return x
}

// Potential is compute_nernst_potential: the equilibrium potential in volts of an ion of
// valence z with the given outside and inside concentrations (mol/L) at tempK kelvin.
// Concentrations below 1e-6 M (including zero and negatives) are raised to 1e-6 M, as in the
// reference; NaN inputs give a NaN result. z = 0 is an error (the reference raises
// ZeroDivisionError). Any other z and any temperature are accepted, as in the reference.
func Potential(z int, cOut, cIn, tempK float64) (float64, error) {
	if z == 0 {
		return 0, ErrZeroValence
	}
	cOut = pyMax(cOut, IonClampMin)
	cIn = pyMax(cIn, IonClampMin)
	return potential(z, cOut, cIn, tempK), nil
}

// potential evaluates E = (R*T)/(z*F) * ln(cOut/cIn) in the reference's order.
func potential(z int, cOut, cIn, tempK float64) float64 {
	num := rGas * tempK
	den := float64(z) * faraday
	k := num / den
	ratio := cOut / cIn
	return k * libm.Log(ratio)
}

// SymbolicExample is the value of the reference's sympy cross-check (_symbolic_nernst_example):
// K⁺ (z=1, 5 mM out, 140 mM in) at 310 K, in volts: -0.08901066911987905, one ulp from
// Potential's -0.08901066911987907.
//
// sympy substitutes the values one symbol at a time in name order (F, R, T, c_in, c_out, z),
// and every substitution evaluates the numeric part at 53 bits: 1/F first, then ·R, then ·T;
// c_out/c_in becomes c_out·(1/c_in); log is evaluated correctly rounded. Replaying those
// roundings in float64 reproduces sympy's result exactly.
func SymbolicExample() float64 {
	return symbolic(1, 5e-3, 140e-3, BodyTemperatureK)
}

func symbolic(z int, cOut, cIn, tempK float64) float64 {
	invF := 1 / faraday
	coef := invF * rGas
	coef = coef * tempK
	ratio := (1 / cIn) * cOut
	return (coef * libm.Log(ratio)) / float64(z)
}

// Ion is one row of the reference's table of typical mammalian ion concentrations (spec §3.1).
type Ion struct {
	// Symbol is the short name used on the command line: "K", "Na", "Cl" or "Ca".
	Symbol string
	// Name is the printable name with its charge, e.g. "K⁺".
	Name string
	// Z is the valence.
	Z int
	// COut and CIn are the outside and inside concentrations in mol/L.
	COut, CIn float64
}

// Ions lists the reference's four ions in its order.
var Ions = []Ion{
	{Symbol: "K", Name: "K⁺", Z: 1, COut: 0.005, CIn: 0.140},
	{Symbol: "Na", Name: "Na⁺", Z: 1, COut: 0.145, CIn: 0.012},
	{Symbol: "Cl", Name: "Cl⁻", Z: -1, COut: 0.120, CIn: 0.004},
	{Symbol: "Ca", Name: "Ca²⁺", Z: 2, COut: 0.002, CIn: 1e-7},
}

// LookupIon finds an ion by symbol, case-insensitively ("k", "K", "K+", "Ca2+" all work).
func LookupIon(symbol string) (Ion, bool) {
	s := strings.TrimRight(strings.TrimSpace(symbol), "+-⁺⁻²0123456789")
	for _, ion := range Ions {
		if strings.EqualFold(ion.Symbol, s) {
			return ion, true
		}
	}
	return Ion{}, false
}

// IonSymbols lists the symbols LookupIon accepts.
func IonSymbols() []string {
	out := make([]string, len(Ions))
	for i, ion := range Ions {
		out[i] = ion.Symbol
	}
	return out
}

// pyStr formats an int or float64 like Python's str().
func pyStr(v any) string {
	switch x := v.(type) {
	case float64:
		return pyfmt.Float(x)
	case int:
		return strconv.Itoa(x)
	default:
		return fmt.Sprint(x)
	}
}

// Ranges of user-facing inputs (command line, API): the HTTP API's valence 1..3 widened to
// anions, its temperature range, and strictly positive finite concentrations. Potential
// itself stays as permissive as the reference.
const (
	ValenceLimit         = 3
	InputTemperatureMinK = 273.0
	InputTemperatureMaxK = 373.0
)

// ValidateInputs checks user-supplied Nernst inputs against the ranges above, reporting the
// first bad one as a *RangeError naming the parameter, its value and the allowed range.
func ValidateInputs(z int, cOut, cIn, tempK float64) error {
	if z == 0 || z < -ValenceLimit || z > ValenceLimit {
		return &RangeError{Message: "z_valence must be a non-zero integer in [-3, 3]", Parameter: "z_valence",
			Value: z, Min: -ValenceLimit, Max: ValenceLimit}
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"concentration_out_molar", cOut}, {"concentration_in_molar", cIn}} {
		if !(c.v > 0) || math.IsInf(c.v, 1) {
			return &RangeError{Message: c.name + " must be a finite concentration > 0 mol/L", Parameter: c.name,
				Value: c.v, Min: 0.0}
		}
	}
	if !(tempK >= InputTemperatureMinK && tempK <= InputTemperatureMaxK) {
		return &RangeError{Message: "temperature_k must be in [273.0, 373.0] K", Parameter: "temperature_k",
			Value: tempK, Min: InputTemperatureMinK, Max: InputTemperatureMaxK}
	}
	return nil
}
