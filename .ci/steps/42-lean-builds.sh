#!/usr/bin/env bash
# Lean and full builds (docs/adr/0031-lean-builds-and-image.md): both editions for linux/amd64
# and linux/arm64 against their size bars, the lean edition's vet and tests, the offline check
# of the edge, and the multi-arch OCI images (no Docker daemon) inspected by their test.
set -euo pipefail
if ! command -v strace >/dev/null || ! command -v curl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq strace curl ca-certificates >/dev/null
fi
command -v strace >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
lean_tags=$(sh scripts/build.sh tags lean)

# Size bars in bytes. Lean linux/arm64: the bar, 15 MB. The others are regression
# ceilings ~5 % above today's sizes (lean amd64 14.4 MB, full arm64 26.7 MB, full amd64
# 29.2 MB): the 25 MB for the full build is NOT met with Kafka, Parquet,
# OpenTelemetry, gRPC, Redis, S3 and plots all in (ADR 0031, "Session 5" and "Session 7").
declare -A max=(
  [lean-arm64]=15000000
  [lean-amd64]=15500000
  [full-arm64]=28000000
  [full-amd64]=31000000
)
fail=0
for edition in lean full; do
  for arch in amd64 arm64; do
    bin=$out/mfn-$edition-linux-$arch
    GOOS=linux GOARCH=$arch sh scripts/build.sh "$edition" "$bin" >/dev/null
    if readelf -l "$bin" | grep -q 'program interpreter'; then
      echo "$bin is dynamically linked" >&2; fail=1
    fi
    size=$(wc -c <"$bin")
    bar=${max[$edition-$arch]}
    echo "size: $edition linux/$arch $size bytes (bar $bar)"
    if [ "$size" -ge "$bar" ]; then
      echo "FAIL: mfn $edition linux/$arch is $size bytes, over its bar of $bar" >&2; fail=1
    fi
  done
done
[ $fail = 0 ]

echo "-- vet and tests with -tags $lean_tags"
go vet -tags "$lean_tags" ./...
go test -count=1 -tags "$lean_tags" ./internal/buildinfo ./internal/blobstore ./render ./dataset ./integration ./server ./deploy/image
go test -count=1 -tags "$lean_tags" -run 'TestVersionListsFeatures|TestMissingFeaturesRefused|TestAnalyze' ./internal/cli
"$out/mfn-lean-linux-amd64" version | tee "$out/version.txt"
grep -q "not compiled in: kafka (-tags nokafka), kfake (-tags kfake), parquet (-tags noparquet), otel (-tags nootel), grpc (-tags nogrpc)" "$out/version.txt"

echo "-- the in-process Kafka only with -tags kfake (the all edition)"
go test -count=1 -tags kfake -run 'TestVersionListsFeatures|TestLoadtestKafkaInProcess' ./internal/cli ./internal/buildinfo
sh scripts/build.sh all "$out/mfn-all" >/dev/null
"$out/mfn-all" loadtest --kafka --requests 20 --concurrency 4 --body '{"seed":1,"grid_size":16,"steps":8}' | tee "$out/kfake.txt"
grep -q 'in-process (kfake)' "$out/kfake.txt"
if "$out/mfn-full-linux-amd64" loadtest --kafka --requests 1 2>"$out/nokfake.txt"; then
  echo "FAIL: the full edition ran loadtest --kafka without brokers or kfake" >&2; exit 1
fi
grep -q -- '-tags kfake' "$out/nokfake.txt"

echo "-- offline mode"
sh deploy/offline-check.sh "$out/mfn-lean-linux-amd64"
sh deploy/offline-check.sh "$out/mfn-full-linux-amd64"

echo "-- OCI images"
for edition in full lean; do
  go run ./deploy/image --amd64 "$out/mfn-$edition-linux-amd64" --arm64 "$out/mfn-$edition-linux-arm64" \
    --tag "mycelium-fractal-net:4.1.0-go-$edition" --out "$out/image-$edition"
  # Compressed bytes per architecture (today lean 5.7/6.2 MB, full 11.0/12.0 MB arm64/amd64).
  bound=7000000; [ "$edition" = full ] && bound=13000000
  MFN_IMAGE_LAYOUT="$out/image-$edition" MFN_IMAGE_MAX_BYTES=$bound go test -count=1 -v -run 'TestImage$' ./deploy/image | grep -E 'compressed|^(ok|FAIL|---)'
done
