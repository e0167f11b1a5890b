#!/bin/sh
# Install the npm packages the export tests validate with, into a cache directory shared by
# every checkout (npm's own cache makes a second install offline):
#   kubernetes-models  Kubernetes OpenAPI schema validation of every exported object
#   js-yaml            reads the exported multi-document YAML
#   @cdktf/hcl2json    HashiCorp's HCL parser (Go, compiled to WebAssembly) for the Nomad job
# Usage: scripts/install-test-tools.sh [DIR]   (default: $STACKVISOR_TEST_TOOLS or
#        ~/.cache/stackvisor/test-tools). Prints nothing but errors when already installed.
set -eu
dir=${1:-${STACKVISOR_TEST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/stackvisor/test-tools}}
# Pinned majors: a schema change upstream must not turn a passing export into a failing test
# without a commit here.
pkgs="kubernetes-models@5.1.0 js-yaml@4.1.0 @cdktf/hcl2json@0.21.0"
stamp="$dir/.installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pkgs" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-test-tools: npm not found (apt-get install npm)" >&2
  exit 1
fi
mkdir -p "$dir"
echo "install-test-tools: installing $pkgs into $dir"
# shellcheck disable=SC2086  # one word per package
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error $pkgs
echo "$pkgs" >"$stamp"
