#!/usr/bin/env bash
# Runs every test: unit tests (release and ASan/UBSan builds) and the compatibility suite
# that drives the pinned prefect package against a real praetor process.
# PRAETOR_COMPAT_TARGET=prefect runs the compatibility suite against Prefect's own server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== build (release)"
scripts/build.sh release
echo "== unit tests (release)"
ctest --preset release -j2

echo "== build (asan+ubsan)"
scripts/build.sh asan
echo "== unit tests (asan+ubsan)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j2

echo "== compatibility tests (target: ${PRAETOR_COMPAT_TARGET:-praetor})"
PRAETOR_BINARY="$PWD/build/release/src/cli/praetor" .venv/bin/python -m pytest tests/compat -q -p no:cacheprovider --timeout=300 "$@"

echo "== operations tests"
PRAETOR_BINARY="$PWD/build/release/src/cli/praetor" .venv/bin/python -m pytest tests/ops -q -p no:cacheprovider
