#!/usr/bin/env bash
# Mutation testing (gremlins, pinned, from the module proxy) on a fixed subset that fits in a
# few minutes: the .npy codec, the file format numpy users exchange with mfn. It fails when
# fewer than the stated share of the covered mutants are killed. The figures of the wider
# runs (numeric core, server middleware) are in docs/quality.md.
set -euo pipefail
version=v0.6.0
efficacy=90
go install "github.com/go-gremlins/gremlins/cmd/gremlins@$version" || {
  echo "FAIL: could not install gremlins $version from the module proxy"; exit 1
}
gremlins="$(go env GOPATH)/bin/gremlins"
for pkg in npy; do
  echo "-- mutation testing ./$pkg (efficacy floor $efficacy %)"
  (cd "$pkg" && "$gremlins" unleash --workers 2 --timeout-coefficient 10 --threshold-efficacy "$efficacy" -S lt)
done
