-- Run once, on first initialisation, in $POSTGRES_DB as $POSTGRES_USER (bin/pg-init.sh).
CREATE EXTENSION IF NOT EXISTS postgis;
