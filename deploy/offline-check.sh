#!/bin/sh
# The edge's offline mode, checked: `mfn serve` with every optional integration off (no
# OTEL_* endpoint, no MFN_RATE_LIMIT_REDIS_URL, no --integrations, no MFN_GRPC_ADDR) serves
# requests and the CLI simulates while the process opens no outbound connection at all:
# strace records every connect/sendto/sendmsg of mfn and its threads, and any of them fails the
# check. A load test against the server, traced the same way, must show its connections (the
# check can see a connection when there is one). Usage: deploy/offline-check.sh BINARY
set -eu
bin=$1
command -v strace >/dev/null || { echo "offline-check: strace is needed (apt-get install strace)" >&2; exit 1; }
command -v curl >/dev/null || { echo "offline-check: curl is needed" >&2; exit 1; }
tmp=$(mktemp -d)
port=$((20000 + $$ % 20000))
trap 'kill $(pgrep -P $pid) $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
env -i PATH=/usr/bin:/bin HOME="$tmp" MFN_ENV=dev \
	strace -f -qq -e trace=connect,sendto,sendmsg -e signal=none -o "$tmp/serve.trace" "$bin" serve --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
pid=$!
i=0
until curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$tmp/serve.log"; echo "offline-check: serve did not start" >&2; exit 1; }
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/ready" >/dev/null
curl -fsS "http://127.0.0.1:$port/metrics" >/dev/null
curl -fsS -H 'Content-Type: application/json' -d '{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14}' "http://127.0.0.1:$port/nernst" >/dev/null
curl -fsS -H 'Content-Type: application/json' -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' \
	-d '{"grid_size":32,"steps":8,"seed":1}' "http://127.0.0.1:$port/simulate" >/dev/null
env -i PATH=/usr/bin:/bin HOME="$tmp" strace -f -qq -e trace=connect,sendto,sendmsg -e signal=none -o "$tmp/load.trace" \
	"$bin" loadtest --url "http://127.0.0.1:$port" --endpoint /health --concurrency 1 --duration 300ms >/dev/null
env -i PATH=/usr/bin:/bin HOME="$tmp" strace -f -qq -e trace=connect,sendto,sendmsg -e signal=none -o "$tmp/cli.trace" \
	"$bin" simulate --grid-size 16 --steps 4 >/dev/null
# Stop mfn itself (strace's child); strace then exits with it.
kill -TERM "$(pgrep -P $pid)"
wait $pid 2>/dev/null || true
if ! grep -q 'connect(.*AF_INET' "$tmp/load.trace"; then
	echo "offline-check: the load test's connections were not seen: the check is blind" >&2; exit 1
fi
if grep -E 'connect|sendto|sendmsg' "$tmp/serve.trace" "$tmp/cli.trace" | grep -v 'resumed>' | grep -q .; then
	echo "offline-check: $bin made outbound calls:" >&2
	grep -E 'connect|sendto|sendmsg' "$tmp/serve.trace" "$tmp/cli.trace" >&2
	exit 1
fi
echo "offline-check: $bin served /health /ready /metrics /nernst /simulate and simulated with no outbound connection ($(grep -c connect "$tmp/load.trace") connects seen from the load test)"
