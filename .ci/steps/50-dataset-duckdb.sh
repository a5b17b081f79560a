#!/usr/bin/env bash
# A sharded dataset read by DuckDB (npm @duckdb/node-api, a binary shipped in the registry
# package): the Parquet directory of 4 parts reads as one table equal to the single-process run,
# and so does the merged file. Installs node/npm if missing; fails loudly if it cannot.
set -euo pipefail
if ! command -v npm >/dev/null; then
  apt-get update && apt-get install -y nodejs npm
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp dataset/testdata/duckdb_check.mjs "$work/"
(cd "$work" && npm install --silent --no-audit --no-fund @duckdb/node-api@1.5.6-r.1)
go build -o "$work/mfn" ./cmd/mfn
args=(dataset --sampler demo --samples 40 --timestamp 2026-01-01T00:00:00Z --quiet)
"$work/mfn" "${args[@]}" --out "$work/single.parquet" >/dev/null
pids=()
for i in 0 1 2 3; do
  "$work/mfn" "${args[@]}" --shard "$i/4" --workers 1 --out "$work/parts.parquet" >/dev/null &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done # a failed shard fails the step
"$work/mfn" dataset merge "$work/parts.parquet" --out "$work/merged.parquet" --seal
(cd "$work" && node duckdb_check.mjs "$work/parts.parquet" "$work/merged.parquet" "$work/single.parquet" 40)
