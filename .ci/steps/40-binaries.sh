#!/usr/bin/env bash
# Static binaries (linux/amd64, linux/arm64, CGO disabled).
set -euo pipefail
sh deploy/build-binaries.sh "$(mktemp -d)"
