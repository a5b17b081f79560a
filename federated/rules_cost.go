package federated

// RuleBytes bounds from above the working memory, in bytes, that a rule other than
// hierarchical Krum (whose Cost replays its clustering) takes for n updates of d float32
// elements, beyond the input itself, so a service can refuse or queue a request before the
// work starts. The Krum family builds an n×n float64 distance matrix (krumfamily.go) over
// float64 copies of the updates; the coordinate-wise rules work on one transposed float32 copy;
// FedAvg keeps one float64 accumulator.
func RuleBytes(method string, n, d int) int64 {
	nn, dd := int64(n), int64(d)
	switch method {
	case MethodKrum, MethodMultiKrum, MethodBulyan:
		return nn*nn*8 + nn*dd*8 + dd*8
	case MethodMedian, MethodTrimmedMean:
		return nn*dd*4 + dd*8
	default: // fedavg
		return dd*8 + dd*4
	}
}
