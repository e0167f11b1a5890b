#!/bin/sh
# The nginx image's /docker-entrypoint.sh contract, for the host's nginx: when the command is
# nginx (or nginx-debug), the files of /docker-entrypoint.d run first, in name order:
# executable *.envsh are sourced (what they export reaches nginx), executable *.sh are run,
# anything else is ignored, each said on stderr unless NGINX_ENTRYPOINT_QUIET_LOGS is set.
# Then the command is exec'd, so nginx itself is the service's process and gets its signals.
# The recipe binds this file at /docker-entrypoint.sh and its own steps (the image's
# templates step, its local-resolvers step) into /docker-entrypoint.d, where a user's bind
# mount of that directory replaces them, as it does in the image.
set -e

say() {
	if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
		echo "$0: $*" >&2
	fi
}

if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
	dir=/docker-entrypoint.d
	found=
	for f in "$dir"/*; do
		[ -f "$f" ] && found=1 && break
	done
	if [ -n "$found" ]; then
		say "$dir/ is not empty, will attempt to perform configuration"
		for f in "$dir"/*; do
			[ -f "$f" ] || continue
			case "$f" in
				*.envsh)
					if [ -x "$f" ]; then
						say "Sourcing $f"
						. "$f"
					else
						say "Ignoring $f, not executable"
					fi
					;;
				*.sh)
					if [ -x "$f" ]; then
						say "Launching $f"
						"$f"
					else
						say "Ignoring $f, not executable"
					fi
					;;
				*) say "Ignoring $f" ;;
			esac
		done
		say "Configuration complete; ready for start up"
	else
		say "No files found in $dir/, skipping configuration"
	fi
fi

exec "$@"
