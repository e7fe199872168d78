#!/usr/bin/env bash
# Builds the Go client drivers of the e2e tests (test/e2e/clients/go: franz-go, sarama,
# kafka-go) into .cache/go/bin/. Needs Go >= 1.26 on PATH and the Go module proxy.
# Idempotent: modules are downloaded once into Go's module cache, and a second run is
# a cached `go build` (about a second).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="$root/test/e2e/clients/go"
out="$root/.cache/go/bin"

# Never fetch another Go toolchain: go.mod's `go` line must be met by the installed one.
export GOTOOLCHAIN=local
# go.sum is committed: refuse to change go.mod or go.sum while building.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly"

cd "$src"
go version
go mod download
mkdir -p "$out"
go build -trimpath -o "$out/" ./cmd/...
echo "Go drivers in $out: $(cd "$out" && echo *)"
