#!/usr/bin/env bash
# Debian's Prometheus (with promtool): check the alert rules and run their unit tests. The
# server itself is used by step 55 (the live scrape test).
set -euo pipefail
if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
promtool check rules deploy/prometheus/mfn-alerts.yaml
promtool test rules deploy/prometheus/mfn-alerts.test.yaml
cmp deploy/prometheus/mfn-alerts.yaml deploy/helm/mfn/files/mfn-alerts.yaml ||
  { echo "deploy/helm/mfn/files/mfn-alerts.yaml differs from deploy/prometheus/mfn-alerts.yaml"; exit 1; }
