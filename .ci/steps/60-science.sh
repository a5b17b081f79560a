#!/usr/bin/env bash
# Scientific validation (issue 11): literature values, the reference's experiments, exact
# fractals and the pattern-forming presets; exits 1 when a check fails.
set -euo pipefail
go run ./cmd/mfn science --quiet
