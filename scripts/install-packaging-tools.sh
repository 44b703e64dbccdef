#!/usr/bin/env bash
# Installs the tools of the packaging tests (tests/packaging) into .tools/, each only when
# missing; concurrent runs wait for each other (scripts/setup.sh starts one in the background
# so the helm build overlaps the C++ build; the tests run it again and wait for it):
#   .tools/bin/helm            helm, built from its Go module (about 15 minutes cold on 2 busy
#                              cores; seconds once built)
#   .tools/bin/compose-config  tests/packaging/compose_config: loads Compose files with
#                              compose-go, the library `docker compose config` uses (seconds)
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v4.3.2

mkdir -p .tools/bin
exec 9>.tools/.install.lock
flock 9

GO=$(command -v go || echo /usr/local/go/bin/go)
if [ ! -x .tools/bin/helm ] || [ "$(cat .tools/helm.version 2>/dev/null)" != "$HELM_VERSION" ]; then
  echo "install-packaging-tools: building helm $HELM_VERSION" >&2
  GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod "$GO" install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  echo "$HELM_VERSION" >.tools/helm.version
fi
sources=tests/packaging/compose_config
stamp=$(cat "$sources/go.mod" "$sources/go.sum" "$sources/main.go" | sha256sum | cut -c1-16)
if [ ! -x .tools/bin/compose-config ] || [ "$(cat .tools/compose-config.version 2>/dev/null)" != "$stamp" ]; then
  echo "install-packaging-tools: building compose-config" >&2
  (cd "$sources" && GOFLAGS=-mod=readonly "$GO" build -o "$OLDPWD/.tools/bin/compose-config" .)
  echo "$stamp" >.tools/compose-config.version
fi
