#!/usr/bin/env bash
# Debian's python3-numpy, before 20-go-test.sh: with CI=true, nn's TestWeightsLoadInNumpy
# fails (never skips) when /usr/bin/python3 cannot import numpy. Fails loudly if the install does.
set -euo pipefail
if ! /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1; then
  apt-get update >/dev/null
  apt-get install -y --no-install-recommends python3-numpy >/dev/null
fi
/usr/bin/python3 -c 'import numpy; print("numpy", numpy.__version__)'
