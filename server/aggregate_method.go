package server

import (
	"fmt"
	"strings"

	"mfn/federated"
)

// methodField reads /federated/aggregate's optional "method": one of federated.Methods, the
// reference's hierarchical Krum when absent or null.
func (f *form) methodField(name string) string {
	m := federated.MethodHierarchicalKrum
	f.stringField(name, &m, false, true, 1, 32, nil)
	for _, ok := range federated.Methods {
		if m == ok {
			return m
		}
	}
	quoted := make([]string, len(federated.Methods))
	for i, ok := range federated.Methods {
		quoted[i] = "'" + ok + "'"
	}
	msg := "Input should be " + strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
	f.add("literal_error", msg, []byte(fmt.Sprintf("%q", m)), map[string]any{"expected": strings.Join(quoted, ", ")}, name)
	return m
}

// aggregationRule is the rule a request asks for. Hierarchical Krum keeps the reference's
// fixed seed 42; the others take f = floor(byzantine_fraction · n) Byzantine clients and their
// documented defaults (trimmed-mean beta = byzantine_fraction, multi-krum m = n − f, fedavg
// with equal weights).
func aggregationRule(method string, agg federated.Aggregator, n int) (federated.Rule, error) {
	if method == federated.MethodHierarchicalKrum {
		return federated.HierarchicalKrum{Aggregator: agg, Seed: 42}, nil
	}
	return federated.New(method, n, federated.Params{ByzantineFraction: agg.ByzantineFraction})
}
