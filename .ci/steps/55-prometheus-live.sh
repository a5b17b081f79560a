#!/usr/bin/env bash
# A real Prometheus scrapes a live mfn serve and mfn worker under a short load; every
# dashboard query and alert rule is evaluated through its HTTP API (deploy/prometheus_live_test.go).
set -euo pipefail
command -v prometheus >/dev/null || { echo "prometheus missing: step 16 installs it"; exit 1; }
log=$(mktemp)
rc=0
go test -tags liveprom -run TestLivePrometheus -count=1 -v ./deploy/ >"$log" 2>&1 || rc=$?
grep -v '^=== RUN' "$log" | tail -60
exit "$rc"
