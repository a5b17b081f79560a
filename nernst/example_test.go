package nernst_test

import (
	"fmt"

	"mfn/nernst"
)

// The resting potential of K⁺ at body temperature: about −89 mV.
func ExamplePotential() {
	k, _ := nernst.LookupIon("K")
	e, err := nernst.Potential(k.Z, k.COut, k.CIn, 310)
	fmt.Printf("%s %.4f mV %v\n", k.Name, e*1000, err)
	// Output:
	// K⁺ -89.0107 mV <nil>
}
