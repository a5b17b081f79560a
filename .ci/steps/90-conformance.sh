#!/usr/bin/env bash
# The dev goldens shipped in testdata/ are checked by the tests; when the shared goldens sit
# beside the checkout (as in CI), check those too.
set -euo pipefail
if [ -d ../shared/golden ]; then
  go run ./cmd/mfn conformance ../shared/golden
fi
