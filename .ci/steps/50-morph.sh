#!/usr/bin/env bash
# The GM model (ADR 21): fuzz the --param decoders beyond their seed corpus, and run the
# stability analysis and a pattern-forming simulation of every preset through the binary.
set -euo pipefail
go test ./morph -run '^$' -fuzz '^FuzzParseParam$' -fuzztime 10s
go test ./morph -run '^$' -fuzz '^FuzzV41ParseParam$' -fuzztime 10s
bin="$(mktemp -d)/mfn"
go build -o "$bin" ./cmd/mfn
"$bin" simulate --list-presets
for p in spots stripes labyrinth uniform; do
  "$bin" analyze --preset "$p" --format json >/dev/null
  "$bin" simulate --preset "$p" --format json | grep -o '"pattern":{[^}]*}'
done
