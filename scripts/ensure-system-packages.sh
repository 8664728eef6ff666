#!/usr/bin/env bash
# System packages the test suite talks to: dcmtk (an independent DICOM peer), Chromium (browser
# tests), docker-compose (validates docker-compose.yml without an engine), Caddy (the TLS proxy of
# the compose layout, run in front of a real web server) and PostgreSQL's client tools (pg_dump and
# pg_restore for backups). Debian packages only.
set -euo pipefail

need=()
command -v storescu >/dev/null || need+=(dcmtk)
command -v chromium >/dev/null || need+=(chromium)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
command -v caddy >/dev/null || need+=(caddy)
command -v pg_dump >/dev/null || need+=(postgresql-client)
[ ${#need[@]} -eq 0 ] && { echo "system packages present"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${need[*]} (install them as root: apt-get install ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
