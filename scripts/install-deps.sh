#!/bin/sh
# Install, with apt-get, everything needed to build stackvisor, run its tests and run the
# examples/django-channels stack on Debian 12. Packages already installed are skipped, and
# `apt-get update` runs only when something is missing, so a second run is quick and offline.
#
# Usage: scripts/install-deps.sh [--build-only]
#   --build-only   only the compiler toolchain and libraries (no stack packages)
# Runs as root, or through sudo when not root.
#
# Installing postgresql, redis-server, nginx and caddy on a machine with systemd starts the system
# services on 5432, 6379 and 80 (caddy's too). The example uses other ports (55432, 56379, 8000, 8001, 8080) so
# it does not clash with them; in a container without systemd nothing starts.
set -eu

BUILD_PKGS="cmake ninja-build g++ pkg-config libuv1-dev libyaml-cpp-dev libspdlog-dev
  libboost-dev libboost-filesystem-dev doctest-dev libcli11-dev nlohmann-json3-dev"
TEST_PKGS="python3 procps util-linux curl passwd clang libclang-rt-14-dev help2man lintian zsh fish"
STACK_PKGS="postgresql postgresql-15-postgis-3 redis-server nginx python3-django
  python3-django-channels python3-channels-redis daphne gunicorn python3-psycopg2
  python3-websockets caddy memcached python3-decouple uwsgi uwsgi-plugin-python3 gettext-base
  netcat-openbsd"

pkgs="$BUILD_PKGS $TEST_PKGS"
if [ "${1:-}" != "--build-only" ]; then
  pkgs="$pkgs $STACK_PKGS"
fi

missing=""
for p in $pkgs; do
  # "install ok installed" is the only state in which the package is really usable.
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "install-deps: all packages already installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-deps: missing packages:$missing" >&2
  echo "install-deps: not root and sudo is not available; install them as root" >&2
  exit 1
fi

echo "install-deps: installing:$missing"
# Another apt (unattended-upgrades, a parallel job) may hold the dpkg lock: wait for it.
APT_OPTS="-o DPkg::Lock::Timeout=600"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get $APT_OPTS update -q
# shellcheck disable=SC2086  # word splitting of $missing is intended
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get $APT_OPTS install -y -q $missing
echo "install-deps: done"
