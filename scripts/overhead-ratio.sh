#!/usr/bin/env bash
# Service overhead as a ratio (issue 16, item 7): the full middleware chain against a bare
# net/http handler writing the same bytes, in one process, driven by the same client. Within
# each round the two servers alternate every SLICE (ABBA order) after a warm-up, so that a
# change of the machine's speed affects both alike. Prints one table per endpoint and
# access-log mode: req/s, their ratio, and requests per CPU-second of the process (the ratio
# other tenants' load moves least). The target: ratio >= 0.70 in at least 5 of 6 rounds.
#
#   scripts/overhead-ratio.sh [ROUNDS] [SECONDS_PER_SERVER_PER_ROUND] [CONCURRENCY] [SLICE] [WARMUP]
#   (defaults 6 5 4 250ms 2s: about 4.5 min for the four tables)
set -euo pipefail
rounds=${1:-6}
secs=${2:-5}
conc=${3:-4}
slice=${4:-250ms}
warmup=${5:-2s}
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/mfn
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/mfn
for mode in all errors; do
	for ep in /health /nernst; do
		echo "== MFN_ACCESS_LOG=$mode $ep"
		MFN_ACCESS_LOG=$mode "$bin" loadtest --overhead "$rounds" --endpoint "$ep" \
			--duration "${secs}s" --slice "$slice" --warmup "$warmup" --concurrency "$conc" 2>/dev/null
	done
done
