#!/bin/sh
# Load figures of `mfn serve` at concurrency 4 (issue 5's bar: /health and /nernst at least
# 20,000 req/s with p99 under 5 ms; /simulate at least 10x the reference with p95 under 25 ms).
#
# On a 2-vCPU machine the load generator and the server compete for the same two CPUs, and
# the kernel's time slices then show up as multi-millisecond tail latencies that belong to
# neither. With --pin the server runs on CPU 0 (GOMAXPROCS=1) and wrk on CPU 1, as if the
# load came from another machine; without it both float.
#
#   scripts/service-load.sh [--pin] [--runs N] [--duration 10s] [ENDPOINT...]
#
# Needs wrk (Debian: apt-get install -y wrk) and, with --pin, taskset (util-linux).
set -eu
cd "$(dirname "$0")/.."

pin=0 runs=3 duration=10s
while [ $# -gt 0 ]; do
  case "$1" in
    --pin) pin=1; shift ;;
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "unknown flag $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- /health /nernst /simulate
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/mfn" ./cmd/mfn
addr=127.0.0.1:18099

body() {
  case "$1" in
    /nernst) echo '{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}' ;;
    /simulate) echo '{"seed":42,"grid_size":64,"steps":64}' ;;
    *) echo "" ;;
  esac
}

if [ "$pin" = 1 ]; then
  MFN_ENV=dev GOMAXPROCS=1 taskset -c 0 "$tmp/mfn" serve --addr "$addr" >/dev/null 2>&1 &
  server=$!
  load="taskset -c 1"
else
  MFN_ENV=dev "$tmp/mfn" serve --addr "$addr" >/dev/null 2>&1 &
  server=$!
  load=""
fi
for _ in 1 2 3 4 5 6 7 8 9 10; do
  wget -q -O /dev/null "http://$addr/health" 2>/dev/null && break
  curl -sf -o /dev/null "http://$addr/health" 2>/dev/null && break
  sleep 0.3
done

# steal prints the share of CPU time the hypervisor took from this VM since the last call
# (/proc/stat's steal column): on a shared host it, not the server, sets the figures.
last_total=0 last_steal=0
steal() {
  set -- $(head -1 /proc/stat)
  total=$(($2 + $3 + $4 + $5 + $6 + $7 + $8 + $9))
  st=$9
  if [ "$last_total" -gt 0 ]; then
    awk -v s=$((st - last_steal)) -v t=$((total - last_total)) 'BEGIN { printf "%.1f%%", t ? 100 * s / t : 0 }'
  fi
  last_total=$total last_steal=$st
}

echo "pin=$pin runs=$runs duration=$duration (wrk -t2 -c4)"
for ep in "$@"; do
  b=$(body "$ep")
  script=""
  if [ -n "$b" ]; then
    script="$tmp/body.lua"
    printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' "'$b'" >"$script"
  fi
  i=1
  while [ "$i" -le "$runs" ]; do
    steal >/dev/null
    out=$($load wrk -t2 -c4 -d"$duration" --latency ${script:+-s "$script"} "http://$addr$ep")
    st=$(steal)
    rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p90=$(echo "$out" | awk '$1 == "90%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    echo "$ep run $i: $rps req/s  p50 $p50  p90 $p90  p99 $p99  steal $st${bad:+  non-2xx $bad}"
    i=$((i + 1))
  done
done
