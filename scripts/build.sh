#!/bin/sh
# Builds mfn in one of its editions (docs/adr/0031-lean-builds-and-image.md, deploy/README.md):
#
#   scripts/build.sh full [OUT]    the default build: every integration except the native GCS and
#                                  Azure backends (`go build ./cmd/mfn` has the same features)
#   scripts/build.sh lean [OUT]    the edge build: no Kafka, Parquet, OpenTelemetry export, gRPC,
#                                  Redis, plots or object storage (-tags "$LEAN_TAGS" below)
#   scripts/build.sh all [OUT]     full plus gs:// and azblob:// (-tags gcs,azure) and the
#                                  in-process Kafka of mfn loadtest --kafka (-tags kfake)
#
# Go has no tag that implies others, so an edition is this exact -tags list. The binary is
# static (CGO disabled) and stripped; GOOS/GOARCH pick the target (default: this machine).
# `scripts/build.sh tags lean` prints an edition's -tags list.
set -eu
# grpcnotrace (grpc-go's own tag) leaves out golang.org/x/net/trace, whose html/template
# would make the linker keep every exported method of every type (~5 MB): MFN never turns
# on grpc.EnableTracing, so nothing is lost.
FULL_TAGS=grpcnotrace
LEAN_TAGS=grpcnotrace,nokafka,noparquet,nootel,nogrpc,noredis,noplot,nos3
ALL_TAGS=grpcnotrace,gcs,azure,kfake
edition=${1:-}
case $edition in
full) tags=$FULL_TAGS ;;
lean) tags=$LEAN_TAGS ;;
all) tags=$ALL_TAGS ;;
tags)
	case ${2:-} in
	full) echo "$FULL_TAGS" ;;
	lean) echo "$LEAN_TAGS" ;;
	all) echo "$ALL_TAGS" ;;
	*) echo "usage: $0 tags full|lean|all" >&2; exit 2 ;;
	esac
	exit 0 ;;
*) echo "usage: $0 full|lean|all [OUT]  (or: $0 tags full|lean|all)" >&2; exit 2 ;;
esac
out=${2:-mfn}
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -tags "$tags" -o "$out" ./cmd/mfn
echo "$out: $edition ($(wc -c <"$out") bytes; -tags \"$tags\")"
