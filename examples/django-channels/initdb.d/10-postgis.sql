-- Run once, on first initialisation, in $POSTGRES_DB as $POSTGRES_USER (the postgres entrypoint).
CREATE EXTENSION IF NOT EXISTS postgis;
