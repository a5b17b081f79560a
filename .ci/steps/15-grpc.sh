#!/usr/bin/env bash
# The gRPC API (docs/grpc.md): the committed generated code must be what the .proto gives
# (regenerate and diff), the proto lint rules (TestProtoLint), and grpcurl on GOPATH/bin for
# the docs' examples that step 20's `go test ./...` runs (TestDocsGRPCurlExamples fails
# without it when CI=true). It runs before step 20 for that reason.
set -euo pipefail
if ! command -v protoc >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends protobuf-compiler
fi
go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4
export PATH="$(go env GOPATH)/bin:$PATH"
api/proto/generate.sh
if ! git diff --exit-code -- api/proto || [ -n "$(git status --porcelain -- api/proto)" ]; then
  echo "api/proto: regenerating the code gives a difference (protoc $(protoc --version)); run api/proto/generate.sh and commit" >&2
  exit 1
fi
go test -count=1 ./api/proto/...
