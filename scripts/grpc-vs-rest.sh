#!/usr/bin/env bash
# REST and gRPC side by side against one `mfn serve`: interleaved slices of the same load
# (mfn loadtest, concurrency 4) for /simulate (64×64×64) and /nernst, so that both see the same
# machine (docs/performance.md, "gRPC beside REST"). The order alternates by round (REST first
# in odd rounds, gRPC first in even ones).
#   scripts/grpc-vs-rest.sh [ROUNDS] [SLICE]      (default 20 rounds of 2s slices)
#   MFN_BIN=path       use this mfn binary (default: build ./cmd/mfn)
#   PIN=1              server on CPU 0 with MFN_WORKERS=1, load generator on CPU 1 (taskset)
#   GRPC_CLIENT=grpc-go  the load generator's gRPC client (default: mfn loadtest's, raw)
#   CALLS=N            instead of slices, N calls of each transport and endpoint (--requests N):
#                      the CPU seconds the load generator and the server spent per call
#   SIM_BODY=JSON      the simulate request instead of 64×64×64, e.g. '{"seed":42,"grid_size":8,"steps":1}':
#                      a simulation of a few µs, so that the transports' own CPU per call shows
# Prints one line per slice: round transport endpoint requests seconds req/s p50_ms p99_ms
# errors client_cpu_ms/req server_cpu_ms/req; then, per endpoint, the totals and the median of
# the rounds' gRPC/REST throughput ratios.
set -euo pipefail
rounds=${1:-20}
slice=${2:-2s}
bin=${MFN_BIN:-}
if [[ -z $bin ]]; then
  bin=$(mktemp -d)/mfn
  go build -o "$bin" ./cmd/mfn
fi
srv_pin=() cli_pin=() workers=()
if [[ ${PIN:-0} == 1 ]]; then
  srv_pin=(taskset -c 0) cli_pin=(taskset -c 1) workers=(MFN_WORKERS=1)
fi
env "${workers[@]}" MFN_GRPC_ADDR=127.0.0.1:18091 MFN_LOG_LEVEL=WARNING "${srv_pin[@]}" "$bin" serve --addr 127.0.0.1:18090 >/dev/null 2>&1 &
server=$!
out=$(mktemp)
trap 'kill $server; rm -f "$out" "$out.t"' EXIT
for _ in $(seq 50); do # until both ports answer
  if "$bin" loadtest --url http://127.0.0.1:18090 --endpoint /health --requests 1 --concurrency 1 >/dev/null 2>&1 &&
    "$bin" loadtest --grpc --url 127.0.0.1:18091 --endpoint /nernst --requests 1 --concurrency 1 >/dev/null 2>&1; then
    break
  fi
  sleep 0.2
done
tick=$(getconf CLK_TCK)
srv_cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# one TRANSPORT ENDPOINT ROUND: a slice (or CALLS calls), its line.
one() {
  local args=(--url http://127.0.0.1:18090) s0 s1
  [[ $1 == gRPC ]] && args=(--grpc --url 127.0.0.1:18091 ${GRPC_CLIENT:+--grpc-client "$GRPC_CLIENT"})
  if [[ -n ${CALLS:-} ]]; then args+=(--requests "$CALLS" --duration 10m); else args+=(--duration "$slice"); fi
  if [[ $2 == simulate && -n ${SIM_BODY:-} ]]; then args+=(--body "$SIM_BODY"); fi
  s0=$(srv_cpu)
  /usr/bin/time -f '%U %S' -o "$out.t" "${cli_pin[@]}" "$bin" loadtest "${args[@]}" --endpoint "/$2" --concurrency 4 --format json >"$out"
  s1=$(srv_cpu)
  python3 - "$3 $1 $2" "$(cat "$out.t")" "$((s1 - s0))" "$tick" "$out" <<'EOF'
import json, sys
r = json.load(open(sys.argv[5])); l = r['latency_ms']; n = max(r['requests'], 1)
u, s = map(float, sys.argv[2].split()); srv = int(sys.argv[3]) / int(sys.argv[4])
print(sys.argv[1], r['requests'], round(r['seconds'], 3), round(r['requests_per_second'], 1), l.get('p50'), l.get('p99'),
      r['errors'], round((u + s) * 1000 / n, 4), round(srv * 1000 / n, 4))
EOF
}
lines=$(mktemp)
for round in $(seq 1 "$rounds"); do
  order=(REST gRPC)
  ((round % 2 == 0)) && order=(gRPC REST)
  for e in simulate nernst; do
    for tr in "${order[@]}"; do one "$tr" "$e" "$round" | tee -a "$lines"; done
  done
done
python3 - "$lines" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for e in ('simulate', 'nernst'):
    by = {}
    for r in rows:
        if r[2] == e:
            by.setdefault(r[0], {})[r[1]] = r
    ratios = [float(v['gRPC'][5]) / float(v['REST'][5]) for v in by.values() if 'gRPC' in v and 'REST' in v and float(v['REST'][5]) > 0]
    tot = {t: (sum(int(v[t][3]) for v in by.values()), sum(float(v[t][4]) for v in by.values())) for t in ('REST', 'gRPC')}
    cpu = {t: (statistics.median(float(v[t][9]) for v in by.values()), statistics.median(float(v[t][10]) for v in by.values())) for t in ('REST', 'gRPC')}
    rest, grpc = (tot[t][0] / tot[t][1] for t in ('REST', 'gRPC'))
    print(f"{e}: REST {tot['REST'][0]} req in {tot['REST'][1]:.1f} s = {rest:.1f}/s, gRPC {tot['gRPC'][0]} req in "
          f"{tot['gRPC'][1]:.1f} s = {grpc:.1f}/s, total ratio {grpc / rest:.3f}; median round ratio "
          f"{statistics.median(ratios):.3f}, gRPC ahead in {sum(x > 1 for x in ratios)}/{len(ratios)} rounds; "
          f"median CPU ms/req client REST {cpu['REST'][0]} gRPC {cpu['gRPC'][0]}, server REST {cpu['REST'][1]} gRPC {cpu['gRPC'][1]}")
EOF
rm -f "$lines"
