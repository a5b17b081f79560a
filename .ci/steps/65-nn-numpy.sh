#!/usr/bin/env bash
# numpy against the Go code (needs 15-numpy.sh): the aggregators' expected values are what the
# committed script computes, and numpy.load reads the weights mfn writes.
set -euo pipefail
cd "$(dirname "$0")/../.."
/usr/bin/python3 -c 'import numpy' # fails loudly without numpy
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
/usr/bin/python3 federated/testdata/aggregators.py >"$tmp"
# (the numpy version line may differ between machines)
if ! diff -q <(grep -v '"numpy":' "$tmp") <(grep -v '"numpy":' federated/testdata/aggregators.json) >/dev/null; then
  echo "federated/testdata/aggregators.json differs from what aggregators.py computes:"
  diff <(grep -v '"numpy":' "$tmp") <(grep -v '"numpy":' federated/testdata/aggregators.json) | head -20
  exit 1
fi
CI=true go test -count=1 ./nn -run 'TestWeightsLoadInNumpy'
CI=true go test -count=1 ./internal/cli -run 'TestTrainRoundTripNumpy'
CI=true go test -count=1 ./federated -run 'TestRulesMatchIndependentValues'
