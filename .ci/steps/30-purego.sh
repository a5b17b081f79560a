#!/usr/bin/env bash
# The pure-Go fallbacks of the SIMD kernels.
set -euo pipefail
go vet -tags purego ./...
go test -tags purego ./features ./federated
