# Sourced by the postgres entrypoint (not executable), as the official image does: psql
# reaches the temporary server through PGHOST/PGPORT, and POSTGRES_USER/POSTGRES_DB are set.
psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
INSERT INTO places (name, location)
    VALUES ('Berlin', ST_GeogFromText('SRID=4326;POINT(13.4050 52.5200)'));
COMMENT ON TABLE places IS 'seeded by initdb.d on first initialisation';
SQL
