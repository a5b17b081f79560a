#!/usr/bin/env bash
# Mutation testing (gremlins, pinned, from the module proxy) on a fixed subset that fits in a
# few minutes: the .npy codec, the file format numpy users exchange with mfn. It fails when
# fewer than the stated share of the covered mutants are killed. (gremlins v0.6.0's own
# --threshold-efficacy does not change its exit status, so the step reads the JSON report.)
# The figures of the wider runs (numeric core, server middleware) are in docs/quality.md.
set -euo pipefail
version=v0.6.0
floor=90
go install "github.com/go-gremlins/gremlins/cmd/gremlins@$version" || {
  echo "FAIL: could not install gremlins $version from the module proxy"; exit 1
}
gremlins="$(go env GOPATH)/bin/gremlins"
report=$(mktemp)
for pkg in npy; do
  echo "-- mutation testing ./$pkg (efficacy floor $floor %)"
  (cd "$pkg" && "$gremlins" unleash --workers 2 --timeout-coefficient 10 -S lt -o "$report")
  killed=$(grep -o '"mutants_killed":[0-9]*' "$report" | cut -d: -f2)
  lived=$(grep -o '"mutants_lived":[0-9]*' "$report" | cut -d: -f2)
  if [ -z "$killed" ] || [ -z "$lived" ] || [ $((killed + lived)) -eq 0 ]; then
    echo "FAIL: no mutant of ./$pkg was tested (report: $(head -c 300 "$report"))"; exit 1
  fi
  # Integer percentages: killed/(killed+lived) >= floor/100.
  if [ $((100 * killed)) -lt $((floor * (killed + lived))) ]; then
    echo "FAIL: ./$pkg efficacy $killed/$((killed + lived)) is below $floor %"; exit 1
  fi
  echo "./$pkg: $killed killed, $lived lived: efficacy at least $floor %"
done
