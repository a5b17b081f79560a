#!/usr/bin/env bash
# Static analysis: staticcheck (pinned, from the module proxy) must report nothing.
# Where the API must keep the reference's exact (capitalised) error text, the line carries a
# //lint:ignore ST1005 that says so.
set -euo pipefail
version=v0.8.2
go install "honnef.co/go/tools/cmd/staticcheck@$version" || {
  echo "FAIL: could not install staticcheck $version from the module proxy"; exit 1
}
"$(go env GOPATH)/bin/staticcheck" ./...
"$(go env GOPATH)/bin/staticcheck" -tags purego ./features ./federated ./field ./fractal ./rng
