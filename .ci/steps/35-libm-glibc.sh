#!/usr/bin/env bash
# libm reproduces glibc's log, log1p and exp bit for bit: compare with the C library itself through
# cgo on ~20 million arguments (go test -tags libmcheck). Needs a C compiler and glibc's headers.
set -euo pipefail
if ! command -v gcc >/dev/null 2>&1 || [ ! -e /usr/include/math.h ]; then
	apt-get update
	apt-get install -y --no-install-recommends gcc libc6-dev
fi
# Log, Log1p and Exp reproduce glibc's FMA builds (__log_fma, __log1p_fma, __exp_fma), which glibc selects on
# CPUs with FMA and AVX2; elsewhere glibc runs its SSE2 build and the comparison is meaningless.
if ! grep -qw fma /proc/cpuinfo || ! grep -qw avx2 /proc/cpuinfo; then
	echo "35-libm-glibc: this CPU lacks FMA/AVX2, so glibc runs a different build of log; cannot check" >&2
	exit 1
fi
CGO_ENABLED=1 go test -count=1 -tags libmcheck -run 'Glibc|Table' -v ./libm/ | grep -E '^(---|ok|FAIL)|differs|math'
