#!/bin/sh
# Prints the stripped size in bytes of mfn for linux/$GOARCH (default arm64) without tags, in
# each edition, and the full edition with each optional integration left out alone (or, for
# gcs and azure, put in alone): the figures of docs/adr/0031-lean-builds-and-image.md. Usage: [GOARCH=amd64] scripts/size-table.sh
set -eu
arch=${GOARCH:-arm64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
size() {
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags="-s -w" -tags "$1" -o "$tmp/mfn" ./cmd/mfn
	printf '%-52s %10d\n' "${2:-$1}" "$(wc -c <"$tmp/mfn")"
}
echo "linux/$arch, CGO_ENABLED=0, -trimpath -ldflags='-s -w'"
full=$(sh scripts/build.sh tags full)
size "" "go build ./cmd/mfn (no tags)"
size "$full" "full: $full"
size "$(sh scripts/build.sh tags lean)" "lean: $(sh scripts/build.sh tags lean)"
size "$(sh scripts/build.sh tags all)" "all: $(sh scripts/build.sh tags all)"
for t in nokafka noparquet nootel nogrpc noredis noplot nos3 gcs azure; do size "$full,$t" "full + $t"; done
size "$full,noplot,nos3" "full + noplot,nos3"
