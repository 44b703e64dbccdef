#!/usr/bin/env bash
# Sets up, builds and starts the server on the embedded default (SQLite, 127.0.0.1:4200),
# with the web UI: Prefect's built UIs come from the pinned prefect wheel, extracted into a
# cache by scripts/prefect_data.sh (unless PRAETOR_PREFECT_PACKAGE_DIR names a package).
# Extra arguments go to `praetor server start`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --run  # the build's packages only; tests need more (scripts/test.sh)
[ -f build/release/build.ninja ] || cmake --preset release >/dev/null
cmake --build --preset release --target praetor >/dev/null
if [ -z "${PRAETOR_PREFECT_PACKAGE_DIR:-}" ]; then
  PRAETOR_PREFECT_PACKAGE_DIR=$(scripts/prefect_data.sh)
  export PRAETOR_PREFECT_PACKAGE_DIR
fi
exec build/release/src/cli/praetor server start "$@"
