#!/bin/sh
# The nginx image's templates step: every file under $NGINX_ENVSUBST_TEMPLATE_DIR
# (/etc/nginx/templates) whose name ends in $NGINX_ENVSUBST_TEMPLATE_SUFFIX (.template) is
# written to the same relative path under $NGINX_ENVSUBST_OUTPUT_DIR (/etc/nginx/conf.d)
# without the suffix, through envsubst with only the variables the environment defines (so
# nginx's own $host or $uri are left alone), or only those matching the extended regular
# expression NGINX_ENVSUBST_FILTER when it is set. No template directory: nothing to do.
set -e

template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
filter=${NGINX_ENVSUBST_FILTER:-}

[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
	echo "$0: ERROR: $template_dir exists, but $output_dir is not writable" >&2
	exit 0
fi

# Names only: ENVIRON sees values with newlines as one entry, where `env` would not.
names=$(awk 'BEGIN { for (name in ENVIRON) print name }' | sort)
if [ -n "$filter" ]; then
	names=$(printf '%s\n' "$names" | grep -E "$filter" || true)
fi
defined=
for name in $names; do
	defined="$defined \${$name}"
done

find "$template_dir" -follow -type f -name "*$suffix" -print | sort | while read -r template; do
	relative=${template#"$template_dir/"}
	output="$output_dir/${relative%"$suffix"}"
	mkdir -p "$(dirname "$output")"
	if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
		echo "$0: Running envsubst on $template to $output" >&2
	fi
	envsubst "$defined" < "$template" > "$output"
done
