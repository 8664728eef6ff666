#!/usr/bin/env bash
# Test tools from the npm registry: the OpenID Connect provider the single sign-on tests start
# (tests/web/oidc, pinned by its package-lock.json). Needs Node.js and npm (Debian's nodejs and
# npm packages, installed here when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Node.js and npm (install them as root: apt-get install nodejs npm)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm
fi

oidc=tests/web/oidc
stamp="$oidc/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$oidc/package-lock.json" -nt "$stamp" ]; then
  npm ci --prefix "$oidc" --no-audit --no-fund --loglevel=error
fi
echo "test tools present"
