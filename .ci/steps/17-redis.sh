#!/usr/bin/env bash
# Debian's redis-server for the shared rate-limit tests (server/redislimit_test.go starts its
# own instances on loopback ports; with CI=true they fail when the binary is missing).
set -euo pipefail
if ! command -v redis-server >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
redis-server --version
