#!/usr/bin/env bash
# Prints a directory holding the data files Praetor's server reads from the pinned prefect
# package (the two built UIs, the block types, the worker-type views), extracting them from
# the prefect wheel into a cache on first use: the wheel alone, without its dependencies or
# an install. Usage: PRAETOR_PREFECT_PACKAGE_DIR=$(scripts/prefect_data.sh) praetor server start
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=$(sed -n 's/^PREFECT_VERSION=\([0-9.]*\).*/\1/p' scripts/setup.sh)
CACHE="${PRAETOR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/praetor}/prefect-$VERSION"
TARGET="$CACHE/prefect"
if [ -f "$TARGET/.complete" ]; then
  echo "$TARGET"
  exit 0
fi

mkdir -p "$CACHE"
if [ -x .venv/bin/pip ]; then
  PIP=(.venv/bin/pip)
elif python3 -m pip --version >/dev/null 2>&1; then
  PIP=(python3 -m pip)
else  # Debian's python3 has no pip; a throwaway venv brings one (python3-venv)
  python3 -m venv "$CACHE/pip-venv" >&2
  PIP=("$CACHE/pip-venv/bin/pip")
fi
"${PIP[@]}" download -q --no-deps --only-binary=:all: -d "$CACHE/wheel" "prefect==$VERSION" >&2

python3 - "$CACHE/wheel" "$TARGET" <<'PY'
import pathlib, shutil, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("prefect-*.whl"))
target = pathlib.Path(sys.argv[2])
staging = target.with_name(".prefect.staging")
shutil.rmtree(staging, ignore_errors=True)
# Only what the server reads: the package marker, both UIs, block types, worker views.
wanted = ("prefect/__init__.py", "prefect/server/ui/", "prefect/server/ui-v2/",
          "prefect/server/collection_blocks_data.json", "prefect/server/api/collections_data/")
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(wanted) and not name.endswith("/"):
            z.extract(name, staging)
shutil.rmtree(target, ignore_errors=True)
(staging / "prefect").rename(target)
shutil.rmtree(staging, ignore_errors=True)
(target / ".complete").write_text(wheel.name + "\n")
PY
rm -rf "$CACHE/wheel" "$CACHE/pip-venv"
echo "$TARGET"
