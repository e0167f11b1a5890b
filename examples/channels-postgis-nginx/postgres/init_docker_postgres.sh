#!/bin/bash
set -e
DATABASE_NAME="advisor"
DATABASE_USER="my_advisor_user"
DB_DUMP_LOCATION="/tmp/psql_data/dbexport.pgsql"

echo "*** CREATING DATABASE ***"

# create default database
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<EOSQL
	DROP DATABASE IF EXISTS "$DATABASE_NAME";
	CREATE DATABASE "$DATABASE_NAME" TEMPLATE template0;
	GRANT ALL PRIVILEGES ON DATABASE "$DATABASE_NAME" TO "$DATABASE_USER";
EOSQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" "$DATABASE_NAME" < "$DB_DUMP_LOCATION"

echo "*** DATABASE CREATED! ***"
