FROM mdillon/postgis:9.6
COPY ./src/py/dbexport.pgsql /tmp/psql_data
COPY ./postgres/init_docker_postgres.sh /docker-entrypoint-initdb.d/
