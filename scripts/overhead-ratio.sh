#!/usr/bin/env bash
# Service overhead as a ratio (issue 16, item 7): the full middleware chain against a bare
# net/http handler writing the same bytes, alternated ROUNDS times in one process, so that the
# machine's speed (hypervisor steal, other tenants) is the same for both. Prints one table per
# endpoint and access-log mode; the target is >= 0.70 in at least 5 of 6 rounds.
#
#   scripts/overhead-ratio.sh [ROUNDS] [SECONDS_PER_RUN] [CONCURRENCY]
set -euo pipefail
rounds=${1:-6}
secs=${2:-3}
conc=${3:-4}
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/mfn
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/mfn
for mode in all errors; do
	for ep in /health /nernst; do
		echo "== MFN_ACCESS_LOG=$mode $ep"
		MFN_ACCESS_LOG=$mode "$bin" loadtest --overhead "$rounds" --endpoint "$ep" \
			--duration "${secs}s" --concurrency "$conc" 2>/dev/null
	done
done
