#!/usr/bin/env bash
# The GM model (ADR 21): fuzz the --param decoders beyond their seed corpus, and run the
# stability analysis and a pattern-forming simulation of every preset through the binary.
set -euo pipefail
# A count, not a duration: with -fuzztime 10s Go 1.26's fuzz coordinator can report its own
# deadline as a failure ("context deadline exceeded", no crasher: golang/go#75804, fixed in
# Go 1.27). 300,000 inputs is ~8 s at this machine's ~40,000 per second.
go test ./morph -run '^$' -fuzz '^FuzzParseParam$' -fuzztime 300000x
go test ./morph -run '^$' -fuzz '^FuzzV41ParseParam$' -fuzztime 300000x
bin="$(mktemp -d)/mfn"
go build -o "$bin" ./cmd/mfn
"$bin" simulate --list-presets
for p in spots stripes labyrinth uniform; do
  "$bin" analyze --preset "$p" --format json >/dev/null
  "$bin" simulate --preset "$p" --format json | grep -o '"pattern":{[^}]*}'
done
