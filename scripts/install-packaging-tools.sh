#!/usr/bin/env bash
# Installs the tools of the packaging tests (tests/packaging) into .tools/, each only when
# missing; concurrent runs wait for each other (scripts/setup.sh starts one in the background
# so the helm build overlaps the C++ build; the tests run it again and wait for it):
#   .tools/bin/helm            helm, built from its Go module (about 15 minutes cold on 2 busy
#                              cores; seconds once built)
#   .tools/compose-spec.json   the Compose specification's JSON schema, as shipped in the
#                              compose-go module that `docker compose` itself loads files with
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v4.3.2
COMPOSE_GO_VERSION=v2.16.2

mkdir -p .tools/bin
exec 9>.tools/.install.lock
flock 9

GO=$(command -v go || echo /usr/local/go/bin/go)
if [ ! -x .tools/bin/helm ] || [ "$(cat .tools/helm.version 2>/dev/null)" != "$HELM_VERSION" ]; then
  echo "install-packaging-tools: building helm $HELM_VERSION" >&2
  GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod "$GO" install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  echo "$HELM_VERSION" >.tools/helm.version
fi
if [ ! -f .tools/compose-spec.json ] || [ "$(cat .tools/compose-spec.version 2>/dev/null)" != "$COMPOSE_GO_VERSION" ]; then
  dir=$(GOFLAGS=-mod=mod "$GO" mod download -json "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  cp "$dir/schema/compose-spec.json" .tools/compose-spec.json
  chmod 0644 .tools/compose-spec.json
  echo "$COMPOSE_GO_VERSION" >.tools/compose-spec.version
fi
