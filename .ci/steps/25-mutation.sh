#!/usr/bin/env bash
# Mutation testing (gremlins, pinned, from the module proxy) on a fixed subset that fits in a
# few minutes on 2 cores: the .npy codec (the file format numpy users exchange with mfn),
# npexact (numpy's pairwise sum, statistics, box sizes and fit, under every numeric package)
# and federated/cost.go (the cost model that admits /federated/aggregate requests).
# Each package fails the step when fewer than its floor of the covered mutants are killed.
# (gremlins v0.6.0's own --threshold-efficacy does not change its exit status, so the step
# reads the JSON report.) The wider runs (rng, fractal, nernst, field, features, federated,
# server middleware) take tens of minutes each; their figures are in docs/quality.md.
set -euo pipefail
version=v0.6.0
go install "github.com/go-gremlins/gremlins/cmd/gremlins@$version" || {
  echo "FAIL: could not install gremlins $version from the module proxy"; exit 1
}
gremlins="$(go env GOPATH)/bin/gremlins"
report=$(mktemp)
# package:floor[:file] (efficacy %, integer; with a file, only that file's mutants). Measured
# 2026-12-07: npy 38/39 = 97.4 %, npexact 90/98 = 91.8 % (its 8 survivors are equivalent
# mutants, listed in docs/quality.md), federated cost.go (the aggregation's memory admission)
# 67/71 = 94.4 %. GOFLAGS=-count=1: gremlins times each mutant from the coverage run, and a
# cached coverage run makes every mutant time out.
export GOFLAGS=-count=1
for entry in npy:90 npexact:90 federated:90:cost.go; do
  IFS=: read -r pkg floor only <<<"$entry"
  excludes=()
  if [ -n "$only" ]; then
    for f in "$pkg"/*.go; do
      f=${f##*/}
      case $f in *_test.go | "$only") ;; *) excludes+=(-E "(^|/)${f//./\\.}\$") ;; esac
    done
  fi
  echo "-- mutation testing ./$pkg${only:+ ($only)} (efficacy floor $floor %)"
  start=$SECONDS
  (cd "$pkg" && "$gremlins" unleash --workers 2 --timeout-coefficient 10 -S lt "${excludes[@]}" -o "$report")
  killed=$(grep -o '"mutants_killed":[0-9]*' "$report" | cut -d: -f2)
  lived=$(grep -o '"mutants_lived":[0-9]*' "$report" | cut -d: -f2)
  if [ -z "$killed" ] || [ -z "$lived" ] || [ $((killed + lived)) -eq 0 ]; then
    echo "FAIL: no mutant of ./$pkg was tested (report: $(head -c 300 "$report"))"; exit 1
  fi
  # Integer percentages: killed/(killed+lived) >= floor/100.
  if [ $((100 * killed)) -lt $((floor * (killed + lived))) ]; then
    echo "FAIL: ./$pkg efficacy $killed/$((killed + lived)) is below $floor %"; exit 1
  fi
  echo "./$pkg: $killed killed, $lived lived (efficacy at least $floor %) in $((SECONDS - start)) s"
done
