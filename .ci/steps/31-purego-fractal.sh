#!/usr/bin/env bash
# The pure-Go fallbacks of box counting's AVX2/BMI kernels and membw's vector bounds (issue 16
# item 6): the tests again with the assembly left out. 30-purego.sh vets every package with the
# tag already.
set -euo pipefail
go test -tags purego ./fractal ./internal/membw
