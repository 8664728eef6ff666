#!/usr/bin/env bash
# Peers the benchmarks measure us against, beside the test suite's system packages: Orthanc (a
# second DICOM store for the ingest benchmark; bench/orthanc.py runs it with its own generated
# configuration, so the package's own service is not needed) and dcmtk. Debian packages only.
set -euo pipefail

need=()
command -v storescp >/dev/null || need+=(dcmtk)
command -v Orthanc >/dev/null || [ -x /usr/sbin/Orthanc ] || need+=(orthanc)
[ ${#need[@]} -eq 0 ] && { echo "bench tools present"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then
  echo "missing bench tools: ${need[*]} (install them as root: apt-get install ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
