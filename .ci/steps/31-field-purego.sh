#!/usr/bin/env bash
# The field package's Go loops (what runs without AVX2 or with -tags purego) against the same
# tests and goldens as the AVX2 row kernels (ADR 0033).
set -euo pipefail
go test -count=1 -tags purego ./field
