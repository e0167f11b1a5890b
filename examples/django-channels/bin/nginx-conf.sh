#!/bin/sh
# nginx-conf: one-shot that renders nginx/nginx.conf.template into $STATE_DIR/nginx/nginx.conf
# with the ports and paths of this run, then checks it with `nginx -t`. The file is replaced
# atomically, so a running nginx never reads half of it.
# Environment: STATE_DIR (.state), HTTP_BIND (127.0.0.1), HTTP_PORT (8080), WEB_PORT (8000),
# CHANNELS_PORT (8001), STATIC_ROOT ($STATE_DIR/static), MEDIA_ROOT ($STATE_DIR/media).
set -eu

STATE_DIR=${STATE_DIR:-.state}
mkdir -p "$STATE_DIR/nginx/tmp" "$STATE_DIR/nginx/run"
state=$(cd "$STATE_DIR" && pwd -P)
nginx_dir="$state/nginx"
static_root=${STATIC_ROOT:-$state/static}
media_root=${MEDIA_ROOT:-$state/media}

for value in "$nginx_dir" "$static_root" "$media_root"; do
  case "$value" in
    *[!A-Za-z0-9._/@+-]*) echo "nginx-conf: error: unsupported character in path '$value'" >&2; exit 1 ;;
  esac
done

out="$nginx_dir/nginx.conf"
sed -e "s|@NGINX_DIR@|$nginx_dir|g" \
    -e "s|@STATIC_ROOT@|${static_root%/}|g" \
    -e "s|@MEDIA_ROOT@|${media_root%/}|g" \
    -e "s|@HTTP_BIND@|${HTTP_BIND:-127.0.0.1}|g" \
    -e "s|@HTTP_PORT@|${HTTP_PORT:-8080}|g" \
    -e "s|@WEB_PORT@|${WEB_PORT:-8000}|g" \
    -e "s|@CHANNELS_PORT@|${CHANNELS_PORT:-8001}|g" \
    nginx/nginx.conf.template > "$out.new"
if grep -n '^[^#]*@[A-Z_]*@' "$out.new" >&2; then
  echo "nginx-conf: error: placeholders left in $out.new" >&2
  exit 1
fi
/usr/sbin/nginx -t -q -p "$nginx_dir/" -c "$out.new" -e stderr
mv "$out.new" "$out"
echo "nginx-conf: wrote $out"
