#!/usr/bin/env bash
# Sets up, builds and starts the server on the embedded default (SQLite, 127.0.0.1:4200).
# Extra arguments go to `praetor server start`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release >/dev/null
exec build/release/src/cli/praetor server start "$@"
