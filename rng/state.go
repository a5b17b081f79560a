package rng

// FromState returns a generator whose bit generator is in state s, as numpy's
// `bit_generator.state = {...}` would leave it. It lets a caller (the Python package) hand
// over a numpy Generator(PCG64) mid-stream and read the advanced state back with State.
func FromState(s State) *Generator {
	g := &Generator{}
	g.SetState(s)
	return g
}
