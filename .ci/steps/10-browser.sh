#!/usr/bin/env bash
# Chromium for the /ui browser test (TestUIInBrowser).
set -euo pipefail
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || {
  { apt-get update && apt-get install -y --no-install-recommends chromium; } >/dev/null 2>&1 ||
    echo "could not install chromium; TestUIInBrowser will skip"
}
