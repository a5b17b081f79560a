#!/bin/sh
# Builds the static mfn binaries CI ships (and the image's build stage reproduces):
# the full edition (scripts/build.sh) for linux/amd64 and linux/arm64, CGO disabled.
# Usage: deploy/build-binaries.sh [OUTDIR]
set -eu
out=${1:-dist}
mkdir -p "$out"
for arch in amd64 arm64; do
	GOOS=linux GOARCH=$arch sh scripts/build.sh full "$out/mfn-linux-$arch" >/dev/null
	# A static binary has no program interpreter.
	if command -v readelf >/dev/null 2>&1 && readelf -l "$out/mfn-linux-$arch" | grep -q 'program interpreter'; then
		echo "mfn-linux-$arch is dynamically linked" >&2
		exit 1
	fi
	echo "built $out/mfn-linux-$arch"
done
