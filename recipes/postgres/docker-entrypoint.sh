#!/usr/bin/env bash
# The official postgres image's entrypoint contract, on the host's PostgreSQL (Debian packages).
# See recipes/postgres/README.md for the contract with the recipe that runs it.
#
# Same environment as the image: POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB,
# POSTGRES_INITDB_ARGS (each also as *_FILE), POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD,
# PGDATA; /docker-entrypoint-initdb.d/ (*.sql, *.sql.gz/.xz/.zst, *.sh) run once, in name order,
# against a temporary server that only listens on a private unix socket; started as root it
# drops to the `postgres` user. Differences, each because the host is not a container:
# - The first init is atomic: the cluster is built in $PGDATA/.stackvisor-init/data and its
#   entries are renamed into $PGDATA only once everything succeeded, PG_VERSION last (PGDATA may
#   be a mount point, so it cannot itself be renamed). A crash before that leaves no PG_VERSION,
#   and the next start removes the staging directory and starts over; a crash during the renames
#   is finished at the next start. The image instead leaves a half-done cluster that looks done.
# - A data directory of another PostgreSQL major version is refused before anything touches it.
# - The temporary server is this script's own child (not pg_ctl's daemon), killed if this
#   script dies, and never sees NOTIFY_SOCKET: only the final server reports READY=1.
# Internal knob (tests, and stacks run before container paths exist): STACKVISOR_POSTGRES_INITDB_DIR
# replaces /docker-entrypoint-initdb.d.
set -Eeo pipefail

INITDB_DIR=${STACKVISOR_POSTGRES_INITDB_DIR:-/docker-entrypoint-initdb.d}
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
STAGE_NAME=.stackvisor-init

# usage: file_env VAR [DEFAULT]: VAR from VAR or from the file named by VAR_FILE (not both).
file_env() {
	local var="$1"
	local fileVar="${var}_FILE"
	local def="${2:-}"
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$fileVar"
		exit 1
	fi
	local val="$def"
	if [ "${!var:-}" ]; then
		val="${!var}"
	elif [ "${!fileVar:-}" ]; then
		val="$(< "${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

_is_sourced() {
	[ "${#FUNCNAME[@]}" -ge 2 ] && [ "${FUNCNAME[0]}" = '_is_sourced' ] \
		&& [ "${FUNCNAME[1]}" = 'source' ]
}

docker_setup_env() {
	file_env 'POSTGRES_PASSWORD'
	file_env 'POSTGRES_USER' 'postgres'
	file_env 'POSTGRES_DB' "$POSTGRES_USER"
	file_env 'POSTGRES_INITDB_ARGS'
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	declare -g DATABASE_ALREADY_EXISTS
	: "${DATABASE_ALREADY_EXISTS:=}"
	# PG_VERSION is the last thing the first init puts in place (see the top of this file).
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS='true'
	fi
}

# The major version of the postgres on PATH: "postgres (PostgreSQL) 15.18 (Debian ...)" -> 15.
pg_host_major() {
	local v
	v="$(postgres -V)" || { printf >&2 'error: cannot run postgres -V: is the PostgreSQL bin directory on PATH?\n'; exit 1; }
	v="${v#* (PostgreSQL) }"
	v="${v%% *}"
	case "$v" in
		9.*) printf '%s\n' "${v%.*}" ;;
		*) printf '%s\n' "${v%%.*}" ;;
	esac
}

# Refuse, before anything touches it, a cluster this host's postgres cannot open.
pg_check_version() {
	[ -s "$PGDATA/PG_VERSION" ] || return 0
	local have want bin
	have="$(< "$PGDATA/PG_VERSION")"
	want="$(pg_host_major)"
	[ "$have" != "$want" ] || return 0
	bin="$(command -v postgres)"
	cat >&2 <<-EOE
		error: PGDATA $PGDATA holds a PostgreSQL $have cluster (its PG_VERSION says $have),
		       but this host runs PostgreSQL $want ($bin), which cannot open it.
		       The directory was not touched. Either install PostgreSQL $have
		       (apt-get install postgresql-$have) and use an image tag of $have, or upgrade the
		       cluster with PostgreSQL $want's pg_upgrade (or pg_dumpall with PostgreSQL $have and
		       restore into an empty PGDATA), or point PGDATA (the volume) at an empty directory.
	EOE
	exit 1
}

docker_create_db_directories() {
	local user; user="$(id -u)"
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || :
	# The host's /var/run/postgresql (the postgresql package's) is left as it is when it exists.
	if [ ! -d /var/run/postgresql ]; then
		mkdir -p /var/run/postgresql 2>/dev/null && chmod 03775 /var/run/postgresql || :
	fi
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		if [ "$user" = '0' ]; then
			find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres '{}' +
		fi
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	if [ "$user" = '0' ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
		if [ -d /var/run/postgresql ] && [ "$(stat -c %U /var/run/postgresql)" != postgres ]; then
			chown postgres /var/run/postgresql || :
		fi
	fi
}

# Roll a staged first init forward or back (see the top of this file). Sets STAGE.
pg_resolve_staging() {
	STAGE="$PGDATA/$STAGE_NAME"
	if [ -n "$DATABASE_ALREADY_EXISTS" ]; then
		# Killed after PG_VERSION was renamed, before the empty staging directory was removed.
		rm -rf "$STAGE"
		return 0
	fi
	if [ -e "$STAGE/complete" ]; then
		printf '%s: finishing an interrupted first init: moving %s/data into %s\n' "$0" "$STAGE" "$PGDATA"
		pg_publish_stage
		DATABASE_ALREADY_EXISTS='true'
		return 0
	fi
	if [ -e "$STAGE" ]; then
		printf '%s: removing %s, left by an interrupted first init, and starting over\n' "$0" "$STAGE"
		if [ -s "$STAGE/waldir" ]; then
			local waldir; waldir="$(< "$STAGE/waldir")"
			find "$waldir" -mindepth 1 -delete
		fi
		rm -rf "$STAGE"
	fi
	local other
	other="$(find "$PGDATA" -mindepth 1 -maxdepth 1 \! -name lost+found -printf '%f\n' | head -n 3)"
	if [ -n "$other" ]; then
		cat >&2 <<-EOE
			error: PGDATA $PGDATA is not empty but holds no cluster (no PG_VERSION):
			       $(printf '%s ' $other)...
			       It was not touched. Empty it, or point PGDATA (the volume) at an empty directory
			       (or at a subdirectory of a mount point).
		EOE
		exit 1
	fi
}

# Every entry of the staged cluster is renamed into PGDATA, PG_VERSION last: until it is
# there, the cluster does not look initialised. Idempotent, so an interrupted run is redone.
pg_publish_stage() {
	local f name
	for f in "$STAGE/data/"* "$STAGE/data/".[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		name="${f##*/}"
		[ "$name" != PG_VERSION ] || continue
		mv -T "$f" "$PGDATA/$name"
	done
	sync "$PGDATA"
	mv -T "$STAGE/data/PG_VERSION" "$PGDATA/PG_VERSION"
	sync "$PGDATA"
	rm -rf "$STAGE"
}

docker_init_database_dir() {
	local uid; uid="$(id -u)"
	if ! getent passwd "$uid" &> /dev/null; then
		local wrapper
		for wrapper in {/usr,}/lib{/*,}/libnss_wrapper.so; do
			if [ -s "$wrapper" ]; then
				NSS_WRAPPER_PASSWD="$(mktemp)"
				NSS_WRAPPER_GROUP="$(mktemp)"
				export LD_PRELOAD="$wrapper" NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
				local gid; gid="$(id -g)"
				printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\n' "$uid" "$gid" "$PGDATA" > "$NSS_WRAPPER_PASSWD"
				printf 'postgres:x:%s:\n' "$gid" > "$NSS_WRAPPER_GROUP"
				break
			fi
		done
	fi
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		# Recorded before initdb writes to it, so an interrupted init can empty it before
		# initdb runs again; only when it is empty now (initdb refuses a non-empty one), so
		# nothing of anyone else's is ever removed.
		if [ -z "$(find "$POSTGRES_INITDB_WALDIR" -mindepth 1 -maxdepth 1 | head -n 1)" ]; then
			printf '%s\n' "$POSTGRES_INITDB_WALDIR" > "$STAGE/waldir"
		fi
		set -- --waldir "$POSTGRES_INITDB_WALDIR" "$@"
	fi
	# The image sets LANG=en_US.utf8; a host may not have that locale, and initdb would then
	# fall back to SQL_ASCII. Only when POSTGRES_INITDB_ARGS chooses none.
	case " $POSTGRES_INITDB_ARGS " in
		*" --locale"*|*" --lc-"*|*" -E"*|*" --encoding"*) ;;
		*)
			if locale -a 2>/dev/null | grep -qix 'en_US.utf8'; then
				set -- --locale=en_US.utf8 "$@"
			else
				set -- --locale=C.UTF-8 "$@"
			fi ;;
	esac
	# --no-sync, and fsync=off for the temporary server: nothing of the staged cluster counts
	# until pg_first_init has synced its file system and marked it complete, and an init
	# interrupted before that is redone, so per-file syncs would only make the first start slower.
	# --pwfile refuses a properly-empty file, hence the "\n".
	eval 'initdb --no-sync --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"' "$@"'
	if [[ "${LD_PRELOAD:-}" == */libnss_wrapper.so ]]; then
		rm -f "$NSS_WRAPPER_PASSWD" "$NSS_WRAPPER_GROUP"
		unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
	fi
	# The image's postgresql.conf.sample listens on every address.
	sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$PGDATA/postgresql.conf"
}

docker_verify_minimum_env() {
	if [ "${#POSTGRES_PASSWORD}" -ge 100 ]; then
		cat >&2 <<-'EOWARN'

			WARNING: The supplied POSTGRES_PASSWORD is 100+ characters.

			  This will not work if used via PGPASSWORD with "psql".

			  https://www.postgresql.org/message-id/flat/E1Rqxp2-0004Qt-PL%40wrigleys.postgresql.org (BUG #6412)
			  https://github.com/docker-library/postgres/issues/507

		EOWARN
	fi
	if [ -z "$POSTGRES_PASSWORD" ] && [ 'trust' != "$POSTGRES_HOST_AUTH_METHOD" ]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.

			       See PostgreSQL documentation about "trust":
			       https://www.postgresql.org/docs/current/auth-trust.html
		EOE
		exit 1
	fi
	if [ 'trust' = "$POSTGRES_HOST_AUTH_METHOD" ]; then
		cat >&2 <<-'EOWARN'
			********************************************************************************
			WARNING: POSTGRES_HOST_AUTH_METHOD has been set to "trust". This will allow
			         anyone with access to the Postgres port to access your database without
			         a password, even if POSTGRES_PASSWORD is set. See PostgreSQL
			         documentation about "trust":
			         https://www.postgresql.org/docs/current/auth-trust.html
			         It is not recommended to use POSTGRES_HOST_AUTH_METHOD=trust. Replace
			         it with "-e POSTGRES_PASSWORD=password" instead to set a password in
			         "docker run".
			********************************************************************************
		EOWARN
	fi
}

docker_process_init_files() {
	# psql here for backwards compatibility "${psql[@]}" (sourced scripts use it)
	psql=( docker_process_sql )
	printf '\n'
	local f
	for f; do
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					printf '%s: running %s\n' "$0" "$f"
					"$f"
				else
					printf '%s: sourcing %s\n' "$0" "$f"
					. "$f"
				fi
				;;
			*.sql)     printf '%s: running %s\n' "$0" "$f"; docker_process_sql -f "$f"; printf '\n' ;;
			*.sql.gz)  printf '%s: running %s\n' "$0" "$f"; gunzip -c "$f" | docker_process_sql; printf '\n' ;;
			*.sql.xz)  printf '%s: running %s\n' "$0" "$f"; xzcat "$f" | docker_process_sql; printf '\n' ;;
			*.sql.zst) printf '%s: running %s\n' "$0" "$f"; zstd -dc "$f" | docker_process_sql; printf '\n' ;;
			*)         printf '%s: ignoring %s\n' "$0" "$f" ;;
		esac
		printf '\n'
	done
}

# usage: docker_process_sql [psql-cli-args], against the temporary server (PGHOST is its socket).
docker_process_sql() {
	local query_runner=( psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc )
	if [ -n "$POSTGRES_DB" ]; then
		query_runner+=( --dbname "$POSTGRES_DB" )
	fi
	PGHOSTADDR= "${query_runner[@]}" "$@"
}

docker_setup_db() {
	local dbAlreadyExists
	dbAlreadyExists="$(
		POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<-'EOSQL'
			SELECT 1 FROM pg_database WHERE datname = :'db' ;
		EOSQL
	)"
	if [ -z "$dbAlreadyExists" ]; then
		POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
		printf '\n'
	fi
}

pg_setup_hba_conf() {
	if [ "$1" = 'postgres' ]; then
		shift
	fi
	local auth
	auth="$(postgres -C password_encryption "$@")"
	: "${POSTGRES_HOST_AUTH_METHOD:=$auth}"
	{
		printf '\n'
		if [ 'trust' = "$POSTGRES_HOST_AUTH_METHOD" ]; then
			printf '# warning trust is enabled for all connections\n'
			printf '# see https://www.postgresql.org/docs/12/auth-trust.html\n'
		fi
		printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
	} >> "$PGDATA/pg_hba.conf"
	# On the host, loopback TCP is how the other services (the image's "other containers")
	# connect, so initdb's trust for 127.0.0.1 and ::1 becomes the host method too; a method
	# chosen through POSTGRES_INITDB_ARGS (--auth-host) is left alone.
	sed -ri "s!^(host\s+\S+\s+\S+\s+(127\.0\.0\.1/32|::1/128)\s+)trust\s*\$!\1$POSTGRES_HOST_AUTH_METHOD!" \
		"$PGDATA/pg_hba.conf"
	# Likewise the unix socket, trusted as in the image, is kept to the server's own user (and
	# root): in a container no other service can reach it.
	printf '\n# stackvisor: only the server'"'"'s own user may use the (trusted) unix socket\nunix_socket_permissions = 0700\n' \
		>> "$PGDATA/postgresql.conf"
}

# The temporary server: no TCP, its socket in a private directory, no NOTIFY_SOCKET, our own
# child (so we reap it: a zombie postmaster would block the next start's lock file check) and
# killed by the kernel if this script dies (PDEATHSIG), so it cannot outlive a killed init.
docker_temp_server_start() {
	if [ "$1" = 'postgres' ]; then
		shift
	fi
	TEMP_SOCKET_DIR="$(mktemp -d "${TMPDIR:-/tmp}/pg-init-socket.XXXXXX")"
	# Restored by docker_temp_server_stop: the final server reads PGPORT too.
	SAVED_PGPORT="${PGPORT-}"
	SAVED_PGPORT_SET="${PGPORT+set}"
	export PGHOST="$TEMP_SOCKET_DIR" PGPORT="${PGPORT:-5432}"
	PGUSER="${PGUSER:-$POSTGRES_USER}" env -u NOTIFY_SOCKET setpriv --pdeathsig KILL \
		postgres "$@" -c fsync=off -c listen_addresses='' -c unix_socket_directories="$TEMP_SOCKET_DIR" \
		-p "$PGPORT" &
	TEMP_SERVER_PID=$!
	# Line 8 of postmaster.pid says "ready" once connections are accepted; polling it rather
	# than connecting keeps "the database system is starting up" errors out of the log.
	local deadline=$(( SECONDS + ${STACKVISOR_POSTGRES_INIT_TIMEOUT:-120} ))
	until [ "$(sed -n 8p "$PGDATA/postmaster.pid" 2>/dev/null | tr -d ' ')" = ready ]; do
		if ! kill -0 "$TEMP_SERVER_PID" 2>/dev/null; then
			wait "$TEMP_SERVER_PID" || :
			TEMP_SERVER_PID=
			printf >&2 '%s: error: the temporary server for the first init exited (see its log above)\n' "$0"
			exit 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			printf >&2 '%s: error: the temporary server was not ready after %s s\n' "$0" "${STACKVISOR_POSTGRES_INIT_TIMEOUT:-120}"
			exit 1
		fi
		sleep 0.05
	done
}

# SIGINT = fast shutdown, as pg_ctl -m fast (postgres sets its own handler, so the SIGINT a
# background job of a script starts with ignored does not matter).
docker_temp_server_stop() {
	kill -INT "$TEMP_SERVER_PID"
	local status=0
	wait "$TEMP_SERVER_PID" || status=$?
	TEMP_SERVER_PID=
	rm -rf "$TEMP_SOCKET_DIR"
	unset PGHOST PGPORT
	if [ -n "$SAVED_PGPORT_SET" ]; then
		export PGPORT="$SAVED_PGPORT"
	fi
	if [ "$status" -ne 0 ]; then
		printf >&2 '%s: error: the temporary server did not stop cleanly (status %s)\n' "$0" "$status"
		exit 1
	fi
}

pg_init_cleanup() {
	local status=$?
	if [ -n "${TEMP_SERVER_PID:-}" ]; then
		kill -INT "$TEMP_SERVER_PID" 2>/dev/null || :
		wait "$TEMP_SERVER_PID" 2>/dev/null || :
	fi
	[ -z "${TEMP_SOCKET_DIR:-}" ] || rm -rf "$TEMP_SOCKET_DIR"
	if [ "$status" -ne 0 ]; then
		printf >&2 '%s: the first init failed; %s holds no cluster yet and the next start redoes the init\n' "$0" "$FINAL_PGDATA"
	fi
}

_pg_want_help() {
	local arg
	for arg; do
		case "$arg" in
			-'?'|--help|--describe-config|-V|--version) return 0 ;;
		esac
	done
	return 1
}

# The final server's unix socket: the compiled-in /var/run/postgresql, unless an ordinary user
# cannot write it (the host's, owned by postgres) and the arguments choose no other.
pg_socket_args() {
	local arg
	for arg; do
		case "$arg" in
			-k|-k*|*unix_socket_directories*) return 0 ;;
		esac
	done
	grep -qE '^\s*unix_socket_directories' "$PGDATA/postgresql.conf" "$PGDATA/postgresql.auto.conf" 2>/dev/null && return 0
	if [ ! -w /var/run/postgresql ]; then
		printf '%s: /var/run/postgresql is not writable by %s: the unix socket goes in /tmp\n' "$0" "$(id -un 2>/dev/null || id -u)" >&2
		SOCKET_ARGS=( -c unix_socket_directories=/tmp )
	fi
}

# On the host, unlike in a container, "every address" means the host's network: a database the
# compose file does not publish listens on loopback only, where the stack's other services reach
# it. stackvisor passes what the service publishes as STACKVISOR_LISTEN_ADDRESSES (docs/ports.md);
# listen_addresses in the arguments or in postgresql.auto.conf (ALTER SYSTEM) wins.
pg_listen_args() {
	local arg
	[ -n "${STACKVISOR_LISTEN_ADDRESSES:-}" ] || return 0
	for arg; do
		case "$arg" in
			-i|-h|-h*|*listen_addresses*) return 0 ;;
		esac
	done
	grep -qE '^\s*listen_addresses' "$PGDATA/postgresql.auto.conf" 2>/dev/null && return 0
	SOCKET_ARGS+=( -c "listen_addresses=$STACKVISOR_LISTEN_ADDRESSES" )
}

pg_first_init() {
	docker_verify_minimum_env
	if [ -e "$INITDB_DIR" ]; then
		# A directory we cannot read fails here, before anything is created.
		ls "$INITDB_DIR/" > /dev/null
	fi
	FINAL_PGDATA="$PGDATA"
	trap pg_init_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -m 0700 "$STAGE" "$STAGE/data"
	# Every step below sees the staged cluster as PGDATA, as initdb.d scripts expect.
	export PGDATA="$STAGE/data"
	docker_init_database_dir
	pg_setup_hba_conf "$@"
	export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
	docker_temp_server_start "$@"
	docker_setup_db
	if [ -d "$INITDB_DIR" ]; then
		docker_process_init_files "$INITDB_DIR"/*
	fi
	docker_temp_server_stop
	unset PGPASSWORD
	export PGDATA="$FINAL_PGDATA"
	# syncfs(2) of the file systems that hold the cluster (see docker_init_database_dir).
	sync -f "$STAGE/data"
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		sync -f "$POSTGRES_INITDB_WALDIR"
	fi
	: > "$STAGE/complete"
	sync "$STAGE"
	pg_publish_stage
	trap - EXIT INT TERM
	cat <<-'EOM'

		PostgreSQL init process complete; ready for start up.

	EOM
}

_main() {
	if [ "${1:0:1}" = '-' ]; then
		set -- postgres "$@"
	fi
	if [ "$1" = 'postgres' ] && ! _pg_want_help "$@"; then
		docker_setup_env
		pg_check_version
		docker_create_db_directories
		if [ "$(id -u)" = '0' ]; then
			if ! id postgres > /dev/null 2>&1; then
				printf >&2 '%s: error: started as root, but there is no "postgres" user to run PostgreSQL as (apt-get install postgresql creates it)\n' "$0"
				exit 1
			fi
			local as_postgres=( setpriv --reuid=postgres --regid=postgres --init-groups )
			# Said here, rather than as a "Permission denied" from somewhere inside initdb.
			if ! "${as_postgres[@]}" test -r "$BASH_SOURCE" -a -x "$PGDATA" -a -w "$PGDATA"; then
				printf >&2 '%s: error: the postgres user cannot read %s or write %s: every directory above them must be searchable by others (a 0700 home such as /root is not)\n' \
					"$0" "$BASH_SOURCE" "$PGDATA"
				exit 1
			fi
			HOME="$(getent passwd postgres | cut -d: -f6)" exec "${as_postgres[@]}" \
				"$BASH_SOURCE" "$@"
		fi
		pg_resolve_staging
		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			pg_first_init "$@"
		else
			cat <<-'EOM'

				PostgreSQL Database directory appears to contain a database; Skipping initialization

			EOM
		fi
		SOCKET_ARGS=()
		pg_socket_args "$@"
		pg_listen_args "$@"
		set -- "$@" "${SOCKET_ARGS[@]}"
	fi
	exec "$@"
}

if ! _is_sourced; then
	_main "$@"
fi
