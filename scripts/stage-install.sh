#!/usr/bin/env bash
# Lays out what a packaged Praetor needs at run time under ROOT, as both the container image
# (deploy/Containerfile) and the Debian package (scripts/package-deb.sh) install it:
#   ROOT/usr/bin/praetor                      the binary, debug info stripped
#   ROOT/usr/share/praetor/prefect/           the Prefect UI bundle and data files the server
#                                             reads (PRAETOR_PREFECT_PACKAGE_DIR; docs/ui.md)
#   ROOT/usr/share/praetor/runtime-depends    the Debian packages it needs to run, as a
#                                             Depends: line (shared libraries from
#                                             dpkg-shlibdeps, plus the data packages below)
# Usage: scripts/stage-install.sh [BINARY] ROOT   (BINARY: build/release/src/cli/praetor)
set -euo pipefail
# Paths given are relative to the caller's directory; the defaults to the repository's.
if [ $# -eq 2 ]; then binary=$(realpath -m "$1"); root=$(realpath -m "$2"); else root=$(realpath -m "$1"); fi
cd "$(dirname "$0")/.."
binary=${binary:-build/release/src/cli/praetor}
[ -x "$binary" ] || { echo "stage-install: no binary at $binary (scripts/build.sh release)" >&2; exit 1; }

# Packages the binary reads files from rather than links: the time-zone database of
# schedules with a timezone (date-tz reads /usr/share/zoneinfo).
DATA_PACKAGES=(tzdata)

mkdir -p "$root/usr/bin" "$root/usr/share/praetor"
objcopy --strip-debug "$binary" "$root/usr/bin/praetor"

ui=$(scripts/prefect_data.sh)
rm -rf "$root/usr/share/praetor/prefect"
cp -a "$ui" "$root/usr/share/praetor/prefect"

# dpkg-shlibdeps maps each NEEDED library to its package with the minimum version the
# binary's symbols require; it reads debian/control from its working directory.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian"
printf 'Source: praetor\n\nPackage: praetor\nArchitecture: any\n' >"$work/debian/control"
# (its warning that the binary is not yet in an installed package's directory is expected)
shlibs=$(cd "$work" && dpkg-shlibdeps -O "$root/usr/bin/praetor" 2>/dev/null)
depends=${shlibs#shlibs:Depends=}
for p in "${DATA_PACKAGES[@]}"; do depends+=", $p"; done
echo "$depends" >"$root/usr/share/praetor/runtime-depends"
chmod -R u=rwX,go=rX "$root/usr"  # readable by the service user whatever the umask
