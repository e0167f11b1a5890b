#!/bin/sh
# state: one-shot that lays out the state directory kept across runs, before anything uses it:
#   $STATE_DIR/postgres/   the cluster (data/), owned by the database OS user, mode 0700
#   $STATE_DIR/redis/      redis's --dir
#   $STATE_DIR/nginx/      generated nginx.conf, pid file, temp dirs
#   $STATE_DIR/static/     STATIC_ROOT (collectstatic), served by nginx
#   $STATE_DIR/media/      MEDIA_ROOT, served by nginx
# Runs as whoever runs stackvisor. As root, postgres runs as $DB_OS_USER and nginx's workers as
# nobody, so it hands postgres/ to $DB_OS_USER and checks that both can reach what they need:
# a checkout under /root (mode 0700) cannot work, and it is better to say so here than to get
# "Permission denied" from postgres or a 403 from nginx later.
set -eu

STATE_DIR=${STATE_DIR:-.state}
DB_OS_USER=${DB_OS_USER:-postgres}

die() { echo "state: error: $*" >&2; exit 1; }

mkdir -p "$STATE_DIR"
state=$(cd "$STATE_DIR" && pwd -P)
if [ "$(id -u)" -ne 0 ]; then
  for d in "$state" "$state/postgres"; do
    if [ -e "$d" ] && [ "$(stat -c %u "$d")" != "$(id -u)" ]; then
      die "$d belongs to $(stat -c %U "$d"), not $(id -un): a state directory made by another" \
        "user (root?) cannot be reused; set STATE_DIR to another directory"
    fi
  done
fi
mkdir -p "$state/postgres" "$state/redis" "$state/nginx/tmp" "$state/nginx/run" \
  "$state/static" "$state/media"
# World-readable on purpose: nginx workers (nobody, when started as root) serve static/ and media/.
chmod 0755 "$state" "$state/static" "$state/media" "$state/nginx"
chmod 0700 "$state/postgres"

if [ "$(id -u)" -eq 0 ]; then
  id "$DB_OS_USER" >/dev/null 2>&1 || die "DB_OS_USER=$DB_OS_USER: no such user"
  [ "$(id -u "$DB_OS_USER")" -ne 0 ] || die "DB_OS_USER must not be root: postgres refuses to run as root"
  # Only the top: data/ below belongs to the database already (and may be large).
  chown "$DB_OS_USER:" "$state/postgres"
  # Every directory above the state dir and above the project (the services' working_dir)
  # must be searchable by "others" (postgres runs there, nobody reads static files).
  for dir in "$state" "$(pwd -P)"; do
    d=$dir
    while [ "$d" != / ]; do
      d=$(dirname "$d")
      perms=$(stat -c %A "$d")
      case "$perms" in
        ?????????[xt]) ;;
        *) die "$d is $perms: the database user ($DB_OS_USER) and nginx's workers (nobody) cannot reach" \
             "$dir. Move the checkout or STATE_DIR under a world-searchable directory" \
             "(e.g. /srv or /var/lib), or chmod o+x $d" ;;
      esac
    done
  done
fi
echo "state: $state ready"
