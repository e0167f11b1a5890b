#!/bin/sh
# state: one-shot that lays out the state directory kept across runs, before anything uses it:
#   $STATE_DIR/postgres/   the cluster (data/), owned by the database OS user, mode 0700
#   $STATE_DIR/db-entrypoint/  copies of the postgres entrypoint and initdb.d/ for db (each run)
#   $STATE_DIR/redis/      redis's --dir
#   $STATE_DIR/nginx/      generated nginx.conf, pid file, temp dirs
#   $STATE_DIR/static/     STATIC_ROOT (collectstatic), served by nginx
#   $STATE_DIR/media/      MEDIA_ROOT, served by nginx
# Runs as whoever runs stackvisor. As root, postgres runs as $DB_OS_USER and nginx's workers as
# nobody. Neither needs the checkout, which may sit in a 0700 home (/root): db works
# in the state directory and runs the copies made here; nginx serves static/ and media/ from it.
# So only the state directory must be reachable by them; when it is not (STATE_DIR under /root),
# say so here rather than get "Permission denied" from postgres or a 403 from nginx later.
# STATE_DIR's default is in compose.yaml (scripts/run-example.sh picks one per user).
set -eu

STATE_DIR=${STATE_DIR:-.state}
DB_OS_USER=${DB_OS_USER:-postgres}

die() { echo "state: error: $*" >&2; exit 1; }

# Resolved without creating it: a refused state directory is not left behind.
state=$(realpath -m "$STATE_DIR")
if [ "$(id -u)" -ne 0 ]; then
  for d in "$state" "$state/postgres"; do
    if [ -e "$d" ] && [ "$(stat -c %u "$d")" != "$(id -u)" ]; then
      die "$d belongs to $(stat -c %U "$d"), not $(id -un): a state directory made by another" \
        "user (root?) cannot be reused; set STATE_DIR to another directory"
    fi
  done
fi

# As root: every directory above the state dir must be searchable by "others", since postgres
# works in it and nobody reads static files from it. This cannot be fixed from here without
# chmod'ing a directory the user did not name, so refuse with the way out. Checked before
# creating anything (a refused directory is not left behind) and again after (mkdir under a
# umask of 077 makes 0700 parents).
check_reachable() {
  d=$state
  while [ "$d" != / ]; do
    d=$(dirname "$d")
    [ -e "$d" ] || continue
    perms=$(stat -c %A "$d")
    case "$perms" in
      ?????????[xt]) ;;
      *) die "$d is $perms: the database user ($DB_OS_USER) and nginx's workers (nobody) cannot" \
           "reach the state directory $state. Set STATE_DIR to a directory under a" \
           "world-searchable one (scripts/run-example.sh's default as root is" \
           "/var/lib/stackvisor/django-channels), or chmod o+x $d" ;;
    esac
  done
}
if [ "$(id -u)" -eq 0 ]; then
  id "$DB_OS_USER" >/dev/null 2>&1 || die "DB_OS_USER=$DB_OS_USER: no such user"
  [ "$(id -u "$DB_OS_USER")" -ne 0 ] || die "DB_OS_USER must not be root: postgres refuses to run as root"
  check_reachable
fi

mkdir -p "$state" "$state/postgres" "$state/redis" "$state/nginx/tmp" "$state/nginx/run" \
  "$state/static" "$state/media"
# World-readable on purpose: nginx workers (nobody, when started as root) serve static/ and media/.
chmod 0755 "$state" "$state/static" "$state/media" "$state/nginx"
chmod 0700 "$state/postgres"

# db runs as DB_OS_USER, who may not be able to read the checkout: give it copies, made beside
# the old ones and swapped in whole so a half-copied entrypoint is never run. bin/
# docker-entrypoint.sh is a link to recipes/postgres/docker-entrypoint.sh; cp copies its target.
rm -rf "$state/db-entrypoint.new" "$state/db-init"
mkdir -p "$state/db-entrypoint.new"
cp bin/docker-entrypoint.sh "$state/db-entrypoint.new/"
cp -R initdb.d "$state/db-entrypoint.new/"
chmod -R u=rwX,go=rX "$state/db-entrypoint.new"
rm -rf "$state/db-entrypoint"
mv "$state/db-entrypoint.new" "$state/db-entrypoint"

if [ "$(id -u)" -eq 0 ]; then
  check_reachable
  # Only the top: data/ below belongs to the database already (and may be large).
  chown "$DB_OS_USER:" "$state/postgres"
fi
echo "state: $state ready"
