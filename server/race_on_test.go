//go:build race

package server

// raceEnabled: the race detector slows CPU-bound work 10-20x, so the tests whose workload is
// sized to take seconds use a smaller one under it.
const raceEnabled = true
