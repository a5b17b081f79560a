package field

import "fmt"

// Boundary is the boundary condition of the Laplacian.
type Boundary int

const (
	// Periodic wraps around: the grid is a torus.
	Periodic Boundary = iota
	// Neumann is zero flux: each edge cell is its own missing neighbour.
	Neumann
	// Dirichlet holds the outside of the grid at 0 V (not the resting potential).
	Dirichlet
)

func (b Boundary) String() string {
	switch b {
	case Periodic:
		return "periodic"
	case Neumann:
		return "neumann"
	case Dirichlet:
		return "dirichlet"
	}
	return fmt.Sprintf("Boundary(%d)", int(b))
}

// ParseBoundary reads "periodic", "neumann" or "dirichlet". Unlike the reference, where an
// unrecognised value silently selects Dirichlet, anything else is an error.
func ParseBoundary(s string) (Boundary, error) {
	switch s {
	case "periodic":
		return Periodic, nil
	case "neumann":
		return Neumann, nil
	case "dirichlet":
		return Dirichlet, nil
	}
	return 0, fmt.Errorf("boundary_condition=%q: must be one of periodic, neumann, dirichlet", s)
}

// MarshalText and UnmarshalText let a Boundary travel as its name in JSON.
func (b Boundary) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText parses a boundary name.
func (b *Boundary) UnmarshalText(t []byte) error {
	v, err := ParseBoundary(string(t))
	if err == nil {
		*b = v
	}
	return err
}
