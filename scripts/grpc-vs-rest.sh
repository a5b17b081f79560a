#!/usr/bin/env bash
# REST and gRPC side by side against one `mfn serve`: interleaved slices of the same load
# (mfn loadtest, concurrency 4), REST then gRPC, for /simulate (64×64×64) and /nernst, so that
# both see the same machine (docs/performance.md, "gRPC beside REST").
#   scripts/grpc-vs-rest.sh [ROUNDS] [SLICE]      (default 20 rounds of 2s slices)
# Prints one line per slice: round transport endpoint requests seconds req/s p50_ms p99_ms errors.
set -euo pipefail
rounds=${1:-20}
slice=${2:-2s}
bin=$(mktemp -d)/mfn
go build -o "$bin" ./cmd/mfn
MFN_GRPC_ADDR=127.0.0.1:18091 MFN_LOG_LEVEL=WARNING "$bin" serve --addr 127.0.0.1:18090 >/dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
sleep 1
line() { python3 -c "import json,sys; r=json.load(sys.stdin); l=r['latency_ms']; print('$1', r['requests'], round(r['seconds'],3), round(r['requests_per_second'],1), l.get('p50'), l.get('p99'), r['errors'])"; }
for round in $(seq 1 "$rounds"); do
  for e in simulate nernst; do
    "$bin" loadtest --url http://127.0.0.1:18090 --endpoint /$e --concurrency 4 --duration "$slice" --format json | line "$round REST $e"
    "$bin" loadtest --grpc --url 127.0.0.1:18091 --endpoint /$e --concurrency 4 --duration "$slice" --format json | line "$round gRPC $e"
  done
done
