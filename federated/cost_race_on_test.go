//go:build race

package federated

// raceEnabled: allocation measurements are skipped under the race detector.
const raceEnabled = true
