#!/usr/bin/env bash
# Builds the Debian package of Praetor with dpkg-deb: the binary and the UI bundle
# (scripts/stage-install.sh), the systemd unit praetor.service, the settings file
# /etc/praetor/praetor.env, and the maintainer scripts (deploy/debian/). Depends: is what
# dpkg-shlibdeps derives from the binary. Prints the path of the .deb.
# Usage: scripts/package-deb.sh [BINARY] [OUTDIR]   (build/release/src/cli/praetor, build/deb)
set -euo pipefail
# Paths given are relative to the caller's directory; the defaults to the repository's.
binary=${1:+$(realpath -m "$1")}
outdir=${2:+$(realpath -m "$2")}
cd "$(dirname "$0")/.."
binary=${binary:-build/release/src/cli/praetor}
outdir=${outdir:-build/deb}

version=$(sed -n 's/^project(praetor VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/praetor_${version}_$arch"

scripts/stage-install.sh "$binary" "$root" >&2
depends="$(cat "$root/usr/share/praetor/runtime-depends"), adduser"
rm "$root/usr/share/praetor/runtime-depends"

install -D -m 0644 deploy/debian/praetor.service "$root/lib/systemd/system/praetor.service"
install -D -m 0600 deploy/debian/praetor.env "$root/etc/praetor/praetor.env"
install -D -m 0644 docs/deploying.md "$root/usr/share/doc/praetor/deploying.md"
install -D -m 0644 docs/upgrading.md "$root/usr/share/doc/praetor/upgrading.md"
mkdir -p "$root/DEBIAN"
install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$root/DEBIAN/"
echo /etc/praetor/praetor.env >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/control" <<CONTROL
Package: praetor
Version: $version
Architecture: $arch
Maintainer: Praetor developers <praetor@localhost>
Section: net
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Recommends: postgresql-client
Description: Prefect 3 compatible orchestration server
 Praetor serves the Prefect 3 API and web UI: the unmodified prefect SDK, CLI and
 workers use it as their server. Embedded SQLite by default, PostgreSQL for replicas.
 The praetor.service unit runs it as the praetor user with its state in /var/lib/praetor.
CONTROL

mkdir -p "$outdir"
deb="$outdir/praetor_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >&2
realpath "$deb"
