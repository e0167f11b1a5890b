#!/bin/sh
# What the postgis/postgis image's /docker-entrypoint-initdb.d/10_postgis.sh does, for the
# host's PostGIS (Debian: postgresql-15-postgis-3): a template_postgis template database, and the
# PostGIS extensions in it and in POSTGRES_DB. Run by recipes/postgres/docker-entrypoint.sh
# against its temporary server (PGHOST is its private socket), as the image runs it; the
# postgis recipe puts it first in the initdb.d list (see recipes/postgres/README.md).
# Unlike the image, an extension the host lacks (postgis_tiger_geocoder needs
# postgis-3-scripts' SQL; postgis_topology its own) is skipped with a line saying so, instead of
# failing the whole init; postgis itself is required.
set -e

export PGUSER="$POSTGRES_USER"
run_psql() { psql -v ON_ERROR_STOP=1 -X -q "$@"; }

run_psql --dbname="$POSTGRES_DB" <<-'EOSQL'
	CREATE DATABASE template_postgis IS_TEMPLATE true;
EOSQL

available=$(run_psql --dbname="$POSTGRES_DB" -At -c \
	"SELECT name FROM pg_available_extensions WHERE name IN
	 ('postgis', 'postgis_topology', 'fuzzystrmatch', 'postgis_tiger_geocoder')")
if ! printf '%s\n' "$available" | grep -qx postgis; then
	major=$(run_psql --dbname="$POSTGRES_DB" -At -c 'SHOW server_version' | cut -d. -f1)
	echo "initdb-postgis: error: the postgis extension is not installed on this host" \
		"(apt-get install postgresql-$major-postgis-3)" >&2
	exit 1
fi

load_extensions() {
	echo "Loading PostGIS extensions into $1"
	# In dependency order: the geocoder needs postgis and fuzzystrmatch.
	for ext in postgis postgis_topology fuzzystrmatch postgis_tiger_geocoder; do
		if printf '%s\n' "$available" | grep -qx "$ext"; then
			# Explicit: set -e does not apply in a function called from an || list.
			run_psql --dbname="$1" -c "CREATE EXTENSION IF NOT EXISTS $ext;" || return 1
		else
			echo "initdb-postgis: $ext is not available on this host: skipped in $1"
		fi
	done
}

# The two databases at once, each in its own session: CREATE EXTENSION is CPU-bound (about
# 0.85 s per database here) and the databases are independent, so this halves the first
# start on two cores; the end state is the image's. Both are waited for, and either failing
# fails the init.
load_extensions template_postgis &
template_pid=$!
status=0
load_extensions "$POSTGRES_DB" || status=$?
wait "$template_pid" || status=$?
exit "$status"
