#!/usr/bin/env bash
# Installs what Praetor needs on a fresh Debian 12 machine. `scripts/setup.sh --run` (used by
# scripts/start.sh): only the compilers and libraries the build needs. Without it (used by
# scripts/test.sh): also the test tools from Debian (PostgreSQL, Chromium), a virtualenv
# (.venv) with the pinned prefect and Playwright, a second one (.venv-old) with an older 3.x
# client for the version-skew tests, .venv-fuzz with schemathesis, and (in the background)
# helm and compose-config for the packaging tests (scripts/install-packaging-tools.sh).
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFECT_VERSION=3.9.1
OLD_PREFECT_VERSION=3.2.15  # an older 3.x client that must keep working (scripts/test.sh)
SCHEMATHESIS_VERSION=4.32.5  # the API fuzzer of tests/ops/test_schemathesis.py, in its own .venv-fuzz
BUILD_PACKAGES=(build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libyaml-cpp-dev libgtest-dev libhowardhinnant-date-dev libssl-dev zlib1g-dev
  python3-venv)  # python3-venv: scripts/prefect_data.sh fetches the UI from the prefect wheel with pip
TEST_PACKAGES=(sqlite3 postgresql postgresql-client curl
  chromium  # the browser tests' browser (tests/compat/test_ui.py drives it through Playwright)
  systemd  # systemd-analyze for the Debian package's unit (tests/packaging); Debian 12 has it
  faketime)  # libfaketime: tests/compat/test_db_vacuum.py makes old flow runs on a clock set back
DEBIAN_PACKAGES=("${BUILD_PACKAGES[@]}")
[ "${1:-}" = --run ] || DEBIAN_PACKAGES+=("${TEST_PACKAGES[@]}")

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ "${1:-}" = --run ] && exit 0

# Prometheus scrapes /api/metrics in tests/compat/test_metrics.py (the test starts its own,
# on loopback). Without its recommended node exporter and collectors (21 more packages).
# About 26 s on a 2-core machine, so it installs in the background of the virtualenvs below
# and the script waits for it at the end.
prometheus_install=""
if ! dpkg-query -W -f='${Status}' prometheus 2>/dev/null | grep -q "ok installed"; then
  echo "setup: installing prometheus (in the background)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  (
    [ ${#missing[@]} -gt 0 ] || $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  ) & prometheus_install=$!
fi

# helm and compose-config for tests/packaging, in the background: building helm takes
# minutes, so it overlaps the C++ build; the packaging tests wait for it (same script, locked).
mkdir -p .tools
nohup scripts/install-packaging-tools.sh >.tools/install.log 2>&1 </dev/null &

if [ ! -x .venv/bin/prefect ] || ! .venv/bin/python -c "import prefect,sys; sys.exit(prefect.__version__ != '$PREFECT_VERSION')" 2>/dev/null; then
  echo "setup: creating .venv with prefect==$PREFECT_VERSION"
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q "prefect==$PREFECT_VERSION" -r tests/requirements.txt
fi

# The browser tests drive Debian's chromium through Playwright (PyPI); no browser download.
PLAYWRIGHT_VERSION=1.65.2
if ! .venv/bin/python -c "import importlib.metadata as m,sys; sys.exit(m.version('playwright') != '$PLAYWRIGHT_VERSION')" 2>/dev/null; then
  echo "setup: installing playwright==$PLAYWRIGHT_VERSION into .venv"
  .venv/bin/pip install -q "playwright==$PLAYWRIGHT_VERSION"
fi

if [ ! -x .venv-old/bin/prefect ] || ! .venv-old/bin/python -c "import prefect,sys; sys.exit(prefect.__version__ != '$OLD_PREFECT_VERSION')" 2>/dev/null; then
  echo "setup: creating .venv-old with prefect==$OLD_PREFECT_VERSION"
  python3 -m venv .venv-old
  .venv-old/bin/pip install -q --upgrade pip
  # prefect 3.2 imports importlib_metadata without declaring it for Python 3.10+
  .venv-old/bin/pip install -q "prefect==$OLD_PREFECT_VERSION" importlib_metadata -r tests/requirements.txt
fi

if [ ! -x .venv-fuzz/bin/schemathesis ] || [ "$(.venv-fuzz/bin/schemathesis --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  echo "setup: creating .venv-fuzz with schemathesis==$SCHEMATHESIS_VERSION"
  python3 -m venv .venv-fuzz
  .venv-fuzz/bin/pip install -q --upgrade pip
  .venv-fuzz/bin/pip install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

[ -z "$prometheus_install" ] || wait "$prometheus_install" || { echo "setup: installing prometheus failed"; exit 1; }
