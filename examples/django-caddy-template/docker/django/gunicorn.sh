#!/usr/bin/env sh
# The web container's start: migrations, static files, the deploy checks, then gunicorn.
set -o errexit
set -o nounset

python manage.py migrate --no-input
python manage.py collectstatic --no-input

# The container does not start with a security warning in production.
if [ "$DJANGO_ENV" = production ]; then
  python manage.py check --deploy --fail-level WARNING
fi

exec gunicorn server.wsgi:application \
  --bind 0.0.0.0:8000 \
  --workers 2 \
  --access-logfile - \
  --error-logfile -
