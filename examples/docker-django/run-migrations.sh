#!/bin/sh
# The one-off setup tasks of the migrate service: static files for nginx, then the migrations
# (which include myapp's data migration that creates the superuser).
set -e

python mysite/manage.py collectstatic --noinput
python mysite/manage.py migrate --noinput
