#!/usr/bin/env bash
# Installs everything Praetor's build and tests need on a fresh Debian 12 machine:
# compilers and libraries from Debian, and a virtualenv (.venv) with the pinned prefect.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFECT_VERSION=3.9.1
DEBIAN_PACKAGES=(build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql postgresql-client libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libyaml-cpp-dev libgtest-dev libhowardhinnant-date-dev python3-venv curl)

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

if [ ! -x .venv/bin/prefect ] || ! .venv/bin/python -c "import prefect,sys; sys.exit(prefect.__version__ != '$PREFECT_VERSION')" 2>/dev/null; then
  echo "setup: creating .venv with prefect==$PREFECT_VERSION"
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q "prefect==$PREFECT_VERSION" -r tests/requirements.txt
fi
