#!/usr/bin/env bash
# Installs the peers the benchmarks compare against (Debian 12 packages) and the tools the
# scripts use. Skips what is already installed. Run as root (or through sudo).
set -euo pipefail

pkgs=(supervisor tini ruby-foreman gcc libc6-dev python3 procps time)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-peers: everything already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update
# --no-install-recommends: nothing recommended is used. The benches never use a system-wide
# supervisord (the package may start one where an init system runs): they start their own
# instance with their own config and socket, so one running already does not matter.
$SUDO apt-get -o DPkg::Lock::Timeout=600 -y --no-install-recommends install "${missing[@]}"
echo "install-peers: installed ${missing[*]}"
