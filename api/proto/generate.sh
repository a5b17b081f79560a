#!/usr/bin/env bash
# Regenerates the Go code of api/proto/mfn/v1 (committed; CI checks that this gives no diff).
# Needs protoc (Debian protobuf-compiler 3.21.12) and the pinned plugins on PATH:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
#   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
set -euo pipefail
cd "$(dirname "$0")"
protoc --proto_path=. \
  --go_out=. --go_opt=paths=source_relative \
  --go-grpc_out=. --go-grpc_opt=paths=source_relative \
  mfn/v1/mfn.proto
