#!/usr/bin/env bash
# The batch normals' pure-Go path (the purego build, as on non-amd64) against numpy and the
# scalar ziggurat, and the jitter pipeline's goroutines under the race detector.
set -euo pipefail
go test -tags purego ./rng ./field
go test -race -run 'Jitter|Fill' ./field ./rng
